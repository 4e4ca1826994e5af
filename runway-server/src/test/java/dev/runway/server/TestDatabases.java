package dev.runway.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Databases for tests: a SQLite file in a temp dir, or a fresh PostgreSQL database on 127.0.0.1:5432 (env
 * RUNWAY_TEST_PG_URL to point elsewhere). Without PostgreSQL the test is skipped, except under CI=true where that
 * is a failure: CI must prove both stores.
 */
public final class TestDatabases {
    public static final String PG_ADMIN_URL =
            System.getenv().getOrDefault("RUNWAY_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    public static ServerConfig sqlite(Path dir) {
        return ServerConfig.defaults(dir).withPort(0);
    }

    /** Creates a new PostgreSQL database and returns a config using it; {@link #dropPostgres(String)} removes it. */
    public static ServerConfig postgres(Path dir, String[] nameOut) {
        String name =
                "runway_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(
                        "PostgreSQL is required under CI=true but " + PG_ADMIN_URL + " failed: " + e.getMessage(), e);
            }
            assumeTrue(
                    false,
                    "PostgreSQL not reachable at " + PG_ADMIN_URL + " (" + e.getMessage() + "); skipped outside CI");
        }
        nameOut[0] = name;
        String url = PG_ADMIN_URL.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        return ServerConfig.builder(dir).port(0).databaseUrl(url).build();
    }

    public static void dropPostgres(String name) {
        if (name == null) return;
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    private TestDatabases() {}
}
