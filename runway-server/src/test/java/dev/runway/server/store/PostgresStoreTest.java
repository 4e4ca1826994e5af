package dev.runway.server.store;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against the real PostgreSQL (a fresh database for this class). */
class PostgresStoreTest extends StoreContractTest {
    static final String[] NAME = new String[1];
    static ServerConfig config;

    @TempDir
    static Path dir;

    @Override
    ServerConfig config() {
        if (config == null) config = TestDatabases.postgres(dir, NAME);
        return config;
    }

    static final java.util.List<String> FRESH = new java.util.ArrayList<>();

    @Override
    ServerConfig freshConfig() {
        String[] name = new String[1];
        ServerConfig c = TestDatabases.postgres(dir, name);
        FRESH.add(name[0]);
        return c;
    }

    @Override
    void reset() {
        db.tx(
                c -> Sql.update(
                        c,
                        "TRUNCATE api_tokens, registration_tokens, runners, jobs, attempts, log_chunks, runs, artifacts, caches, pools, schedule_fires"));
    }

    @AfterAll
    static void drop() {
        TestDatabases.dropPostgres(NAME[0]);
        FRESH.forEach(TestDatabases::dropPostgres);
    }
}
