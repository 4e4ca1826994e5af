package dev.runway.server.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

/**
 * Job logs, per attempt, as chunks in the database so every replica serves them and an acknowledged byte is
 * committed. Two offsets are kept: {@code log_received} counts the agent's stream (what it may skip on retry),
 * {@code log_stored} counts what readers see (the stream up to the limit, plus the truncation marker).
 */
public final class LogStore {
    /** Result of an append: the agent-stream length now committed, whether the limit was hit, and the outcome. */
    public record Append(Outcome outcome, long committed, boolean truncated) {}

    public enum Outcome {
        APPENDED,
        GAP,
        STALE
    }

    /** Bytes of one read and the stored length they reach. */
    public record Slice(byte[] bytes, long nextOffset) {}

    static final int MAX_READ = 1 << 20;

    private final Database db;

    public LogStore(Database db) {
        this.db = db;
    }

    public Append append(String jobId, int attempt, long offset, byte[] data, long maxBytes) {
        return db.tx(c -> appendIn(c, null, new Piece(jobId, attempt, offset, data), maxBytes));
    }

    /** One chunk of an attempt's log stream, from {@code offset}. */
    public record Piece(String jobId, int attempt, long offset, byte[] data) {}

    /**
     * Appends the chunks of several of one runner's attempts in one transaction (the batched upload): each follows
     * the rules of {@link #append}, and a chunk of an attempt that is not running on {@code runnerId} is {@link
     * Outcome#STALE} alone. The answers are in the order of {@code pieces}; the rows are written in one order (job,
     * attempt), as the lease renewals lock them, so the two never deadlock on PostgreSQL.
     */
    public List<Append> appendAll(String runnerId, List<Piece> pieces, long maxBytes) {
        Integer[] order = new Integer[pieces.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(
                order,
                java.util.Comparator.comparing((Integer i) -> pieces.get(i).jobId())
                        .thenComparingInt(i -> pieces.get(i).attempt())); // stable: one attempt's chunks stay in order
        return db.tx(c -> {
            Append[] out = new Append[pieces.size()];
            for (int i : order) out[i] = appendIn(c, runnerId, pieces.get(i), maxBytes);
            return List.of(out);
        });
    }

    /** Appends one chunk; with a {@code runnerId}, only to an attempt that runner runs. */
    private Append appendIn(Connection c, String runnerId, Piece p, long maxBytes) throws SQLException {
        String jobId = p.jobId();
        int attempt = p.attempt();
        long offset = p.offset();
        byte[] data = p.data();
        // PostgreSQL: the row is locked, so a retried chunk racing its first try appends once
        AttemptLog a = Sql.one(
                c,
                "SELECT log_received, log_stored, log_truncated, state, runner_id FROM attempts"
                        + " WHERE job_id = ? AND attempt = ?"
                        + (db.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE" : ""),
                rs -> new AttemptLog(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getInt(3) != 0,
                        AttemptState.fromWire(rs.getString(4)) == AttemptState.RUNNING,
                        rs.getString(5)),
                jobId,
                attempt);
        if (a == null || !a.running() || (runnerId != null && !runnerId.equals(a.runnerId())))
            return new Append(Outcome.STALE, a == null ? 0 : a.received(), false);
        long received = a.received();
        long stored = a.stored();
        boolean truncated = a.truncated();
        if (offset > received) return new Append(Outcome.GAP, received, truncated);
        long skip = received - offset;
        if (skip >= data.length) return new Append(Outcome.APPENDED, received, truncated);
        byte[] fresh = Arrays.copyOfRange(data, (int) skip, data.length);
        if (!truncated) {
            long room = Math.max(0, maxBytes - stored);
            if (fresh.length <= room) {
                insertChunk(c, jobId, attempt, stored, fresh);
                stored += fresh.length;
            } else {
                ByteArrayOutputStream chunk = new ByteArrayOutputStream();
                chunk.write(fresh, 0, (int) room);
                chunk.writeBytes(("\n[runway] log truncated: limit of " + maxBytes + " bytes reached\n")
                        .getBytes(StandardCharsets.UTF_8));
                byte[] b = chunk.toByteArray();
                insertChunk(c, jobId, attempt, stored, b);
                stored += b.length;
                truncated = true;
            }
        }
        received += fresh.length;
        Sql.update(
                c,
                "UPDATE attempts SET log_received = ?, log_stored = ?, log_truncated = ? WHERE job_id = ? AND attempt = ?",
                received,
                stored,
                truncated ? 1 : 0,
                jobId,
                attempt);
        return new Append(Outcome.APPENDED, received, truncated);
    }

    /** An attempt's log so far: bytes received and stored, whether it was truncated, whether it still runs, and where. */
    private record AttemptLog(long received, long stored, boolean truncated, boolean running, String runnerId) {}

    private static void insertChunk(Connection c, String jobId, int attempt, long at, byte[] b) throws SQLException {
        Sql.update(
                c,
                "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, ?, ?, ?)",
                jobId,
                attempt,
                at,
                b);
    }

    /** Stored bytes of the attempt from {@code offset} (at most about 1 MiB per call). */
    public Slice read(String jobId, int attempt, long offset) {
        return db.read(c -> {
            List<Object[]> chunks = Sql.query(
                    c,
                    "SELECT start_offset, data FROM log_chunks WHERE job_id = ? AND attempt = ? AND start_offset + length(data) > ?"
                            + " ORDER BY start_offset",
                    rs -> new Object[] {rs.getLong(1), rs.getBytes(2)},
                    jobId,
                    attempt,
                    offset);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long next = offset;
            for (Object[] ch : chunks) {
                long start = (Long) ch[0];
                byte[] b = (byte[]) ch[1];
                int from = (int) Math.max(0, next - start);
                out.write(b, from, b.length - from);
                next = start + b.length;
                if (out.size() >= MAX_READ) break;
            }
            return new Slice(out.toByteArray(), next);
        });
    }

    /** Stored log length of an attempt (0 if it has none). */
    public long size(String jobId, int attempt) {
        Long n = db.read(c -> Sql.one(
                c,
                "SELECT log_stored FROM attempts WHERE job_id = ? AND attempt = ?",
                rs -> rs.getLong(1),
                jobId,
                attempt));
        return n == null ? 0 : n;
    }
}
