package dev.runway.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.runway.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool and schema of the store: SQLite in the data directory by default, PostgreSQL by JDBC URL.
 * Migrations run at open; Flyway's lock makes concurrent starts of several replicas safe.
 */
public final class Database implements AutoCloseable {
    public enum Dialect {
        SQLITE,
        POSTGRESQL
    }

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource pool;
    private final Dialect dialect;
    /** The directory of an SQLite store's file (null for PostgreSQL or an in-memory store). */
    private final Path directory;

    /** This process's name for itself in the notifications it sends other replicas ({@link JobNotifications}). */
    private final String replicaId = dev.runway.server.tokens.Tokens.id("rp");

    private Database(HikariDataSource pool, Dialect dialect, Path directory) {
        this.pool = pool;
        this.dialect = dialect;
        this.directory = directory;
    }

    public String replicaId() {
        return replicaId;
    }

    /**
     * Whether another replica listens on this database (PostgreSQL): while none does, a transaction sends no
     * notifications, which cost a commit a lock every other notifying commit waits for. True until known otherwise.
     */
    private volatile boolean othersListen = true;

    boolean othersListen() {
        return othersListen;
    }

    void othersListen(boolean v) {
        othersListen = v;
    }

    /**
     * A connection of its own, outside the pool, to the same database (the LISTEN connection of {@link
     * JobNotifications.Listener}, held for the server's life, which must not take one of the pool's).
     */
    Connection dedicatedConnection() throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) props.setProperty("user", pool.getUsername());
        if (pool.getPassword() != null) props.setProperty("password", pool.getPassword());
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", JobNotifications.APPLICATION_NAME);
        return java.sql.DriverManager.getConnection(pool.getJdbcUrl(), props);
    }

    public static Database open(ServerConfig config) {
        return open(config, null);
    }

    /** Opens the store migrated up to {@code targetVersion} (null: the latest); tests start from older schemas. */
    static Database open(ServerConfig config, String targetVersion) {
        String url = config.databaseUrl();
        HikariConfig hc = new HikariConfig();
        Dialect dialect;
        Path directory = null;
        if (url == null || url.isBlank()) {
            DataDir.prepare(config.dataDir());
            url = "jdbc:sqlite:" + config.dataDir().resolve("runway.db").toAbsolutePath();
        }
        if (url.startsWith("jdbc:sqlite:")) {
            dialect = Dialect.SQLITE;
            String file = url.substring("jdbc:sqlite:".length());
            Path db = file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:") || file.contains("?")
                    ? null
                    : Path.of(file).toAbsolutePath();
            if (db != null && Files.isDirectory(db.getParent())) {
                DataDir.sqliteFile(db); // 0600 before SQLite would create it 0644
                directory = db.getParent();
            }
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
            // pgjdbc keeps server-side prepared statements per connection, by SQL text: a statement run this many
            // times on a connection is parsed and planned once from then on. Said here rather than left to the
            // defaults (5 and 256) because the store's hot paths depend on it, and it has more distinct statements
            // than 256 once the variable-length IN lists (batched renewals, label matches) are counted.
            hc.addDataSourceProperty("prepareThreshold", "3");
            hc.addDataSourceProperty("preparedStatementCacheQueries", "1024");
            hc.addDataSourceProperty("preparedStatementCacheSizeMiB", "8");
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
            Flyway flyway = flyway(ds, dialect, targetVersion);
            refuseNewerSchema(flyway);
            flyway.migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, dialect, directory);
    }

    private static Flyway flyway(javax.sql.DataSource ds, Dialect dialect, String targetVersion) {
        return Flyway.configure()
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
                .load();
    }

    /**
     * A schema migrated by a newer Runway is not opened: this version would run on tables it does not know (Flyway
     * alone lets it pass). The way back is the newer version or the backup made before the upgrade.
     */
    private static void refuseNewerSchema(Flyway flyway) {
        MigrationInfo[] all = flyway.info().all();
        String newest = null;
        for (MigrationInfo m : all)
            if (m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
                newest = m.getVersion().getVersion();
        if (newest != null)
            throw new NewerSchemaException("the database's schema is at version " + newest
                    + ", newer than this Runway knows (" + LATEST_SCHEMA_VERSION + "): a newer Runway upgraded it."
                    + " Run that version or a later one, or restore the backup made before the upgrade"
                    + " (docs/operations.md, \"Upgrades\")");
    }

    /** The store's schema was migrated by a newer Runway than this one. */
    public static final class NewerSchemaException extends IllegalStateException {
        NewerSchemaException(String message) {
            super(message);
        }
    }

    /** The newest schema version this Runway migrates to (the highest {@code V<n>__} in db/migration). */
    public static final int LATEST_SCHEMA_VERSION = latestSchemaVersion();

    private static int latestSchemaVersion() {
        org.sqlite.SQLiteDataSource empty = new org.sqlite.SQLiteDataSource();
        empty.setUrl("jdbc:sqlite::memory:");
        int latest = 0;
        for (MigrationInfo m : flyway(empty, Dialect.SQLITE, null).info().all())
            if (m.getVersion() != null)
                latest = Math.max(latest, Integer.parseInt(m.getVersion().getVersion()));
        return latest;
    }

    /** The schema version of the store behind {@code c} (0 if it has none): the newest migration applied. */
    public static int schemaVersion(Connection c) throws SQLException {
        int v = 0;
        try (var st = c.createStatement();
                var rs = st.executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success = 1" + " AND version IS NOT NULL")) {
            while (rs.next()) v = Math.max(v, Integer.parseInt(rs.getString(1)));
        }
        return v;
    }

    /** The connection pool's use: connections active and idle, threads waiting for one, and its size. */
    public record PoolUse(int active, int idle, int pending, int max) {}

    public PoolUse poolUse() {
        HikariPoolMXBean p = pool.getHikariPoolMXBean();
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

    /**
     * Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. A rollback that fails
     * too (SQLite has rolled back itself after a full disk) never hides the first failure.
     */
    public <T> T tx(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                diskFullSeen = false; // a write went through: the disk has room again
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                if (e instanceof StoreException s && s.diskFull()) diskFull(s);
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // the connection is broken: the pool replaces it
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * The failure as a {@link StoreException}: a full disk when the database says so, or when SQLite's own
     * rollback left "no transaction is active" and the store's directory has next to no space left.
     */
    StoreException failure(SQLException e) {
        boolean full = StoreException.isDiskFull(e) || (dialect == Dialect.SQLITE && lowOnSpace());
        StoreException s = new StoreException(e, full);
        if (full) diskFull(s);
        return s;
    }

    /** Under this many free bytes in an SQLite store's directory, a failed write is taken for a full disk. */
    static final long LOW_SPACE_BYTES = 1 << 20;

    /** How long /healthz keeps reporting a full disk after the store last failed for it. */
    static final long DISK_FULL_REPORTED_NANOS = 60_000_000_000L;

    private volatile long diskFullAt;
    private volatile boolean diskFullSeen;
    private volatile long diskFullLoggedAt;

    private boolean lowOnSpace() {
        if (directory == null) return false;
        try {
            return Files.getFileStore(directory).getUsableSpace() < LOW_SPACE_BYTES;
        } catch (IOException e) {
            return false;
        }
    }

    private void diskFull(StoreException e) {
        long now = System.nanoTime();
        diskFullAt = now;
        boolean first = !diskFullSeen;
        diskFullSeen = true;
        if (first || now - diskFullLoggedAt > 10_000_000_000L) { // once every 10 s, not once per request
            diskFullLoggedAt = now;
            log.error(
                    "disk full: the store{} cannot write ({}); requests that write answer 503 until space is freed",
                    directory == null ? "" : " in " + directory,
                    e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        }
    }

    /** Null when the store can write; else why not, in words for /healthz. */
    public String problem() {
        if (dialect == Dialect.SQLITE && lowOnSpace())
            return "disk full: " + directory + " has less than 1 MiB free; the store cannot write";
        if (diskFullSeen && System.nanoTime() - diskFullAt < DISK_FULL_REPORTED_NANOS) // and nothing written since
        return "disk full: the store's last write failed for want of space "
                    + (System.nanoTime() - diskFullAt) / 1_000_000_000L + " s ago";
        return null;
    }

    /**
     * Runs a read in autocommit mode: one statement needs no BEGIN/COMMIT round trips (on PostgreSQL that saves two per
     * read; the hot paths are token lookups on every request).
     */
    public <T> T read(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure(e);
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
