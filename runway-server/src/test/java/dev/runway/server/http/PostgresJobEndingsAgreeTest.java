package dev.runway.server.http;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;

/** The same endings on PostgreSQL (a fresh database for this class). */
class PostgresJobEndingsAgreeTest extends JobEndingsAgreeTest {
    private final String[] name = new String[1];

    @Override
    ServerConfig config(Path dir) {
        return TestDatabases.postgres(dir, name);
    }

    @Override
    void dropStore() {
        TestDatabases.dropPostgres(name[0]);
    }
}
