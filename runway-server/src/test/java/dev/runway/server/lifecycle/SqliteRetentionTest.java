package dev.runway.server.lifecycle;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The retention contract on SQLite. */
class SqliteRetentionTest extends RetentionContractTest {
    @TempDir
    Path tmp;

    @Override
    ServerConfig config() {
        return TestDatabases.sqlite(tmp.resolve("data"));
    }
}
