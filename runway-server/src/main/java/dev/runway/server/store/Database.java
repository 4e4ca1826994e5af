package dev.runway.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.runway.server.ServerConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;

/**
 * The connection pool and schema of the store: SQLite in the data directory by default, PostgreSQL by JDBC URL.
 * Migrations run at open; Flyway's lock makes concurrent starts of several replicas safe.
 */
public final class Database implements AutoCloseable {
    public enum Dialect {
        SQLITE,
        POSTGRESQL
    }

    private final HikariDataSource pool;
    private final Dialect dialect;

    private Database(HikariDataSource pool, Dialect dialect) {
        this.pool = pool;
        this.dialect = dialect;
    }

    public static Database open(ServerConfig config) {
        return open(config, null);
    }

    /** Opens the store migrated up to {@code targetVersion} (null: the latest); tests start from older schemas. */
    static Database open(ServerConfig config, String targetVersion) {
        String url = config.databaseUrl();
        HikariConfig hc = new HikariConfig();
        Dialect dialect;
        if (url == null || url.isBlank()) {
            DataDir.prepare(config.dataDir());
            url = "jdbc:sqlite:" + config.dataDir().resolve("runway.db").toAbsolutePath();
        }
        if (url.startsWith("jdbc:sqlite:")) {
            dialect = Dialect.SQLITE;
            String file = url.substring("jdbc:sqlite:".length());
            java.nio.file.Path db =
                    file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:") || file.contains("?")
                            ? null
                            : java.nio.file.Path.of(file).toAbsolutePath();
            if (db != null && java.nio.file.Files.isDirectory(db.getParent()))
                DataDir.sqliteFile(db); // 0600 before SQLite would create it 0644
            hc.setJdbcUrl(url);
            // One connection: SQLite has one writer anyway, and a single connection never sees SQLITE_BUSY.
            hc.setMaximumPoolSize(1);
            hc.setConnectionInitSql("PRAGMA busy_timeout=5000");
            hc.addDataSourceProperty("journal_mode", "WAL");
            hc.addDataSourceProperty("synchronous", "NORMAL");
            hc.addDataSourceProperty("foreign_keys", "true");
        } else if (url.startsWith("jdbc:postgresql:")) {
            dialect = Dialect.POSTGRESQL;
            hc.setJdbcUrl(url);
            hc.setMaximumPoolSize(16);
            if (config.databaseUser() != null) hc.setUsername(config.databaseUser());
            if (config.databasePassword() != null) hc.setPassword(config.databasePassword());
        } else {
            throw new IllegalArgumentException(
                    "unsupported database URL '" + url + "' (expected jdbc:sqlite:FILE or jdbc:postgresql://HOST/DB)");
        }
        hc.setPoolName("runway-db");
        hc.setAutoCommit(true);
        HikariDataSource ds = new HikariDataSource(hc);
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .placeholders(
                            dialect == Dialect.SQLITE
                                    ? Map.of(
                                            "seq_pk",
                                            "INTEGER PRIMARY KEY AUTOINCREMENT",
                                            "blob",
                                            "BLOB",
                                            "strpos",
                                            "instr")
                                    : Map.of("seq_pk", "BIGSERIAL PRIMARY KEY", "blob", "BYTEA", "strpos", "strpos"))
                    .target(targetVersion == null ? "latest" : targetVersion)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, dialect);
    }

    /** The connection pool's use: connections active and idle, threads waiting for one, and its size. */
    public record PoolUse(int active, int idle, int pending, int max) {}

    public PoolUse poolUse() {
        com.zaxxer.hikari.HikariPoolMXBean p = pool.getHikariPoolMXBean();
        if (p == null) return new PoolUse(0, 0, 0, pool.getMaximumPoolSize());
        return new PoolUse(
                p.getActiveConnections(),
                p.getIdleConnections(),
                p.getThreadsAwaitingConnection(),
                pool.getMaximumPoolSize());
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T tx(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Runs a read in autocommit mode: one statement needs no BEGIN/COMMIT round trips (on PostgreSQL that saves two per
     * read; the hot paths are token lookups on every request).
     */
    public <T> T read(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    @Override
    public void close() {
        pool.close();
    }
}
