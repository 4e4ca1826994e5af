package dev.runway.bench;

import dev.runway.server.ServerConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Fresh stores per measurement: a SQLite file in a temp dir, or a new PostgreSQL database (dropped at exit). */
final class Stores {
    static final String PG_ADMIN =
            System.getenv().getOrDefault("RUNWAY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    static final List<String> created = new ArrayList<>();

    static ServerConfig config(String store, Path dir) throws Exception {
        String url = null;
        if (store.equals("postgresql")) {
            String name = "runway_bench_" + Long.toHexString(System.nanoTime());
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            created.add(name);
            url = PG_ADMIN.replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        }
        // the times and attempts are the bench's own conditions, pinned here whatever the defaults become
        return ServerConfig.builder(dir)
                .host("127.0.0.1")
                .port(0)
                .databaseUrl(url)
                .leaseTimeout(Duration.ofSeconds(30))
                .heartbeatInterval(Duration.ofSeconds(5))
                .longPollMax(Duration.ofSeconds(30))
                .defaultMaxAttempts(2)
                .build();
    }

    static void dropAll() {
        for (String name : created) {
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (Exception e) {
                System.err.println("could not drop " + name + ": " + e.getMessage());
            }
        }
    }

    private Stores() {}
}
