package dev.runway.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Fleet-scaler pools as the control plane keeps them: the scaler's last status report (JSON, opaque here), whether
 * an operator drained the pool, the canary decision ({@code promoted}, {@code rolled-back} or null), and the job
 * outcomes of each variant's runners.
 */
public final class PoolStore {
    private final Database db;

    public PoolStore(Database db) {
        this.db = db;
    }

    public record PoolRecord(String name, String status, Long reportedAt, boolean draining, String canary) {}

    public record VariantCount(String variant, int finished, int succeeded) {}

    public void report(String name, String statusJson, long now) {
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO pools (name, status, reported_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name)"
                        + " DO UPDATE SET status = excluded.status, reported_at = excluded.reported_at,"
                        + " updated_at = excluded.updated_at",
                name,
                statusJson,
                now,
                now));
    }

    public void setDraining(String name, boolean draining, long now) {
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO pools (name, draining, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                        + " DO UPDATE SET draining = excluded.draining, updated_at = excluded.updated_at",
                name,
                draining ? 1 : 0,
                now));
    }

    /** {@code promoted}, {@code rolled-back}, or null to run the canary the pool file declares. */
    public void setCanary(String name, String canary, long now) {
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO pools (name, canary, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                        + " DO UPDATE SET canary = excluded.canary, updated_at = excluded.updated_at",
                name,
                canary,
                now));
    }

    public boolean forget(String name) {
        return db.tx(c -> Sql.update(c, "DELETE FROM pools WHERE name = ?", name)) == 1;
    }

    public List<PoolRecord> list() {
        return db.read(c -> Sql.query(c, "SELECT * FROM pools ORDER BY name", PoolStore::pool));
    }

    public PoolRecord get(String name) {
        return db.read(c -> Sql.one(c, "SELECT * FROM pools WHERE name = ?", PoolStore::pool, name));
    }

    /**
     * Per variant of the pool's runners, the attempts that ended since {@code since}: how many, and how many of them
     * were the job's successful last attempt. A lost runner or a failed attempt counts against its variant;
     * cancelled jobs count for neither.
     */
    public List<VariantCount> variantOutcomes(String pool, long since) {
        return db.read(c -> Sql.query(
                c,
                "SELECT COALESCE(r.variant, 'stable'), COUNT(*), SUM(CASE WHEN a.state = 'finished' AND"
                        + " j.attempt = a.attempt AND j.state = 'succeeded' THEN 1 ELSE 0 END) FROM attempts a"
                        + " JOIN runners r ON r.id = a.runner_id JOIN jobs j ON j.id = a.job_id WHERE r.pool = ?"
                        + " AND a.state IN ('finished', 'lost') AND a.ended_at >= ? AND NOT (j.attempt = a.attempt"
                        + " AND j.state = 'cancelled') GROUP BY COALESCE(r.variant, 'stable') ORDER BY 1",
                rs -> new VariantCount(rs.getString(1), rs.getInt(2), rs.getInt(3)),
                pool,
                since));
    }

    /** Enqueue → start, in milliseconds, of each job attempt the pool's runners started since {@code since}. */
    public long[] queueWaits(String pool, long since) {
        return db
                .read(c -> Sql.query(
                        c,
                        "SELECT a.started_at - j.queued_at FROM attempts a JOIN runners r ON r.id = a.runner_id"
                                + " JOIN jobs j ON j.id = a.job_id WHERE r.pool = ? AND a.started_at >= ?"
                                + " AND a.attempt = j.attempt",
                        rs -> rs.getLong(1),
                        pool,
                        since))
                .stream()
                .mapToLong(Long::longValue)
                .sorted()
                .toArray();
    }

    private static PoolRecord pool(ResultSet rs) throws SQLException {
        return new PoolRecord(
                rs.getString("name"),
                rs.getString("status"),
                Sql.nullableLong(rs, "reported_at"),
                rs.getInt("draining") != 0,
                rs.getString("canary"));
    }
}
