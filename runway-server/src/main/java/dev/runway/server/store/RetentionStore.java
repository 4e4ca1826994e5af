package dev.runway.server.store;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What the retention pass reads and removes in the database, each removal in a transaction of its own that is
 * bounded by one attempt's log (at most the log limit) or one job, so the pass never holds the store for long. The
 * files of artifacts and caches are removed by their stores ({@code dev.runway.server.artifacts}).
 */
public final class RetentionStore {
    /** One attempt of a job. */
    public record AttemptKey(String jobId, int attempt) {}

    /** A run or job removed: the log bytes that went with it. */
    public record Removed(boolean removed, long logBytes) {}

    private final Database db;

    public RetentionStore(Database db) {
        this.db = db;
    }

    /**
     * Attempts whose log is still kept although their job ended before {@code cutoff} (at most {@code limit}; the
     * partial index on attempts whose log is kept makes this a scan of what is left to do, not of all history).
     */
    public List<AttemptKey> logsEndedBefore(long cutoff, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT a.job_id, a.attempt FROM attempts a JOIN jobs j ON j.id = a.job_id"
                        + " WHERE a.log_removed_at IS NULL AND a.ended_at < ?"
                        + " AND j.finished_at IS NOT NULL AND j.finished_at < ?"
                        + " ORDER BY a.ended_at LIMIT ?",
                rs -> new AttemptKey(rs.getString(1), rs.getInt(2)),
                cutoff,
                cutoff,
                limit));
    }

    /**
     * Replaces the stored log of an attempt by {@code marker} (nothing when it had no log), in one transaction; the
     * bytes freed. Readers see the one line from then on, at offset 0, as the whole log.
     */
    public long removeLog(AttemptKey a, String marker, long now) {
        byte[] line = marker.getBytes(StandardCharsets.UTF_8);
        return db.tx(c -> {
            Long stored = Sql.one(
                    c,
                    "SELECT log_stored FROM attempts WHERE job_id = ? AND attempt = ? AND log_removed_at IS NULL"
                            + (db.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE" : ""),
                    rs -> rs.getLong(1),
                    a.jobId(),
                    a.attempt());
            if (stored == null) return 0L; // removed meanwhile (another replica), or gone with its job
            Sql.update(c, "DELETE FROM log_chunks WHERE job_id = ? AND attempt = ?", a.jobId(), a.attempt());
            long kept = 0;
            if (stored > 0) {
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, ?, 0, ?)",
                        a.jobId(),
                        a.attempt(),
                        line);
                kept = line.length;
            }
            Sql.update(
                    c,
                    "UPDATE attempts SET log_stored = ?, log_removed_at = ? WHERE job_id = ? AND attempt = ?",
                    kept,
                    now,
                    a.jobId(),
                    a.attempt());
            return Math.max(0, stored - kept);
        });
    }

    /** Runs that finished before {@code cutoff} (at most {@code limit}, oldest first). */
    public List<String> runsFinishedBefore(long cutoff, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?",
                rs -> rs.getString(1),
                cutoff,
                limit));
    }

    /** Every job of a run, all its attempts. */
    public List<String> jobsOfRun(String runId) {
        return db.read(c -> Sql.query(c, "SELECT id FROM jobs WHERE run_id = ?", rs -> rs.getString(1), runId));
    }

    /** Jobs submitted on their own (no run) that finished before {@code cutoff} (at most {@code limit}). */
    public List<String> jobsFinishedBefore(long cutoff, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT id FROM jobs WHERE run_id IS NULL AND finished_at IS NOT NULL AND finished_at < ?"
                        + " ORDER BY finished_at LIMIT ?",
                rs -> rs.getString(1),
                cutoff,
                limit));
    }

    /**
     * Removes one job with its attempts and log, in one transaction, if it (or, for a job of a run, its run) still
     * finished before {@code cutoff}: a run re-run meanwhile keeps its jobs.
     */
    public Removed removeJob(String jobId, String runId, long cutoff) {
        return db.tx(c -> {
            if (!stillFinished(c, runId == null ? "jobs" : "runs", runId == null ? jobId : runId, cutoff))
                return new Removed(false, 0);
            Long bytes = Sql.one(
                    c,
                    "SELECT COALESCE(SUM(log_stored), 0) FROM attempts WHERE job_id = ?",
                    rs -> rs.getLong(1),
                    jobId);
            Sql.update(c, "DELETE FROM log_chunks WHERE job_id = ?", jobId);
            Sql.update(c, "DELETE FROM attempts WHERE job_id = ?", jobId);
            int n = Sql.update(c, "DELETE FROM jobs WHERE id = ?", jobId);
            return new Removed(n > 0, bytes == null ? 0 : bytes);
        });
    }

    /**
     * Removes a run's own row and its deployment approvals once its jobs are gone (removed one by one before, so no
     * transaction holds a whole matrix); false if it was re-run meanwhile or has jobs again.
     */
    public boolean removeRun(String runId, long cutoff) {
        return db.tx(c -> {
            if (!stillFinished(c, "runs", runId, cutoff)) return false;
            Long jobs = Sql.one(c, "SELECT COUNT(*) FROM jobs WHERE run_id = ?", rs -> rs.getLong(1), runId);
            if (jobs != null && jobs > 0) return false;
            Sql.update(c, "DELETE FROM deployment_approvals WHERE run_id = ?", runId);
            return Sql.update(c, "DELETE FROM runs WHERE id = ?", runId) > 0;
        });
    }

    /** The row (locked on PostgreSQL, where a re-run locks it too) still finished before {@code cutoff}. */
    private boolean stillFinished(Connection c, String table, String id, long cutoff) throws SQLException {
        Long finished = Sql.one(
                c,
                "SELECT finished_at FROM " + table + " WHERE id = ?"
                        + (db.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE" : ""),
                rs -> Sql.nullableLong(rs, "finished_at"),
                id);
        return finished != null && finished < cutoff;
    }
}
