package dev.runway.server.lifecycle;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The retention contract on the real PostgreSQL (a fresh database for each test). */
class PostgresRetentionTest extends RetentionContractTest {
    static final List<String> CREATED = new ArrayList<>();

    @TempDir
    Path tmp;

    @Override
    ServerConfig config() {
        String[] name = new String[1];
        ServerConfig c = TestDatabases.postgres(tmp.resolve("data"), name);
        CREATED.add(name[0]);
        return c;
    }

    @AfterAll
    static void drop() {
        CREATED.forEach(TestDatabases::dropPostgres);
    }
}
