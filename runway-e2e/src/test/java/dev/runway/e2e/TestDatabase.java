package dev.runway.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test (at {@code RUNWAY_TEST_PG_URL}, default the local server), dropped on
 * close. Without PostgreSQL the test skips; under CI=true it fails.
 */
final class TestDatabase implements AutoCloseable {
    static final String PG_ADMIN =
            System.getenv().getOrDefault("RUNWAY_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private final String name =
            "runway_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    TestDatabase() {
        try (Connection c = DriverManager.getConnection(PG_ADMIN);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (Exception e) {
            if ("true".equals(System.getenv("CI")))
                throw new AssertionError("PostgreSQL required under CI=true: " + e.getMessage(), e);
            assumeTrue(false, "PostgreSQL not reachable at " + PG_ADMIN + "; skipped outside CI");
        }
    }

    /** Its JDBC URL, for {@code --database-url}. */
    String url() {
        return PG_ADMIN.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
    }

    @Override
    public void close() throws Exception {
        try (Connection c = DriverManager.getConnection(PG_ADMIN);
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
