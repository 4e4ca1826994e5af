package dev.runway.server.store;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    ServerConfig config() {
        return TestDatabases.sqlite(dir);
    }

    @Override
    ServerConfig freshConfig() {
        return TestDatabases.sqlite(dir.resolve("fresh"));
    }
}
