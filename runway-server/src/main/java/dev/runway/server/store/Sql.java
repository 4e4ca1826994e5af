package dev.runway.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sqlite.SQLiteConnection;

/**
 * Tiny JDBC helpers so repository code reads as SQL.
 *
 * <p>On SQLite the statements are kept prepared per physical connection ({@link StatementCache}): the xerial driver
 * prepares every statement afresh (it has no cache of its own), and preparing was the largest single cost of the
 * control plane's hot paths. PostgreSQL's driver keeps its own per-connection cache of server-side prepared
 * statements (see {@link Database}), so there the statements go to the driver unchanged.
 */
public final class Sql {
    @FunctionalInterface
    public interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        Prepared p = prepare(c, sql, args);
        try {
            int n = p.ps.executeUpdate();
            p.done();
            return n;
        } finally {
            p.release();
        }
    }

    public static <T> List<T> query(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        Prepared p = prepare(c, sql, args);
        try {
            List<T> out = new ArrayList<>();
            try (ResultSet rs = p.ps.executeQuery()) {
                while (rs.next()) out.add(row.map(rs));
            }
            p.done();
            return out;
        } finally {
            p.release();
        }
    }

    public static <T> T one(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        List<T> l = query(c, sql, row, args);
        return l.isEmpty() ? null : l.get(0);
    }

    public static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    public static Double nullableDouble(ResultSet rs, String col) throws SQLException {
        double v = rs.getDouble(col);
        return rs.wasNull() ? null : v;
    }

    /**
     * A statement ready to run: a cached one (kept when it ran without error, dropped and closed when it failed), or
     * one of its own (closed after the run).
     */
    private static final class Prepared {
        final PreparedStatement ps;
        final StatementCache.Kept cached;
        boolean ok;

        Prepared(PreparedStatement ps, StatementCache.Kept cached) {
            this.ps = ps;
            this.cached = cached;
        }

        void done() {
            ok = true;
        }

        void release() throws SQLException {
            if (cached == null) ps.close();
            else cached.release(ok);
        }
    }

    private static Prepared prepare(Connection c, String sql, Object... args) throws SQLException {
        StatementCache cache = StatementCache.of(c);
        StatementCache.Kept e = cache == null ? null : cache.take(sql);
        PreparedStatement ps = e == null ? c.prepareStatement(sql) : e.ps;
        try {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
        } catch (SQLException | RuntimeException x) {
            if (e == null) ps.close();
            else e.release(false);
            throw x;
        }
        return new Prepared(ps, e);
    }

    /**
     * The prepared statements of one physical SQLite connection, by SQL text, least recently used dropped past {@link
     * #MAX}. Statements are prepared on the driver's connection, not on the pool's proxy: the pool closes what was
     * prepared through its proxy each time the connection goes back to it. A statement's parameters are cleared
     * before it is handed out again; one still running (a row mapper that runs the same SQL) is not handed out twice,
     * the second use gets a statement of its own. When the physical connection closes, the driver finalises its
     * statements; the cache of a closed connection is dropped when a new connection is first seen.
     */
    static final class StatementCache {
        /** Distinct statements kept per connection (the store has about two hundred distinct SQL texts). */
        static final int MAX = 512;

        private static final Map<Connection, StatementCache> CACHES = new IdentityHashMap<>();

        final class Kept {
            final String sql;
            final PreparedStatement ps;
            boolean busy;

            Kept(String sql, PreparedStatement ps) {
                this.sql = sql;
                this.ps = ps;
            }

            void release(boolean ok) throws SQLException {
                busy = false;
                if (ok) {
                    ps.clearParameters();
                } else {
                    statements.remove(sql, this);
                    ps.close();
                }
            }
        }

        private final Connection physical;
        private final LinkedHashMap<String, Kept> statements = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
                if (size() <= MAX || eldest.getValue().busy) return false;
                try {
                    eldest.getValue().ps.close();
                } catch (SQLException ignored) {
                    // the driver could not finalise it: nothing to do but forget it
                }
                return true;
            }
        };

        private StatementCache(Connection physical) {
            this.physical = physical;
        }

        /** The cache of the SQLite connection behind {@code c}; null for another database. */
        static StatementCache of(Connection c) throws SQLException {
            SQLiteConnection physical;
            if (c instanceof SQLiteConnection s) physical = s;
            else if (c.isWrapperFor(SQLiteConnection.class)) physical = c.unwrap(SQLiteConnection.class);
            else return null;
            synchronized (CACHES) {
                StatementCache cache = CACHES.get(physical);
                if (cache == null) {
                    CACHES.values().removeIf(StatementCache::closed);
                    cache = new StatementCache(physical);
                    CACHES.put(physical, cache);
                }
                return cache;
            }
        }

        private boolean closed() {
            try {
                return physical.isClosed();
            } catch (SQLException e) {
                return true;
            }
        }

        /** A statement for {@code sql}, prepared now or before; null when the one cached is in use. */
        Kept take(String sql) throws SQLException {
            Kept e = statements.get(sql);
            if (e != null && e.ps.isClosed()) {
                statements.remove(sql);
                e = null;
            }
            if (e == null) {
                e = new Kept(sql, physical.prepareStatement(sql));
                statements.put(sql, e);
            } else if (e.busy) {
                return null;
            }
            e.busy = true;
            return e;
        }

        /** How many statements are kept (for tests). */
        int size() {
            return statements.size();
        }

        /** The cache of {@code c}'s physical connection, if it has one (for tests). */
        static StatementCache peek(Connection c) throws SQLException {
            if (!c.isWrapperFor(SQLiteConnection.class)) return null;
            synchronized (CACHES) {
                return CACHES.get(c.unwrap(SQLiteConnection.class));
            }
        }
    }

    private Sql() {}
}
