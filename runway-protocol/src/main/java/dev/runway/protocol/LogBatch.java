package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Body of {@code POST /api/v1/runner/logs}, sent with the runner credential: log chunks of several of the runner's
 * running attempts, appended in one transaction. One call for all of an agent's busy logs, where a call per attempt
 * made a write per attempt every linger interval: 200 jobs printing twice a second were 400 transactions a second,
 * and after a control-plane stall that load pushed lease renewals past the agent's margin.
 *
 * <p>Each chunk follows the rules of the per-attempt upload ({@link LogAppendResponse}): bytes below the committed
 * length are skipped, a chunk that starts beyond it is refused for that chunk alone ({@link Status#GAP}), and a chunk
 * for an attempt that is not running on this runner is refused alone ({@link Status#STALE}).
 *
 * @param chunks at most {@link #MAX_CHUNKS}
 */
public record LogBatch(List<Chunk> chunks) {
    /** Chunks in one call; more is refused (400). */
    public static final int MAX_CHUNKS = 1_000;

    /** Raw log bytes an agent puts in one call: in the JSON body, base64 makes them a third larger. */
    public static final int MAX_DATA_BYTES = 4 * 1024 * 1024;

    /**
     * The body's own limit, whatever the server's {@code --max-body-size}: {@link #MAX_DATA_BYTES} in base64 and the
     * chunks' ids fit in it with room to spare.
     */
    public static final long MAX_BODY_BYTES = 8L * 1024 * 1024;

    public LogBatch {
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
    }

    /** Log bytes of one attempt from {@code offset} of its stream (base64 on the wire). */
    public record Chunk(String jobId, int attempt, long offset, byte[] data) {}

    /** The answer: one entry per chunk, in the same order. */
    public record Answer(List<Ack> chunks) {
        public Answer {
            chunks = chunks == null ? List.of() : List.copyOf(chunks);
        }
    }

    /**
     * What became of one chunk.
     *
     * @param committed the attempt's stream length now committed (for {@link Status#GAP}: send again from here)
     * @param truncated whether the job's log limit was reached (later bytes are dropped: stop sending)
     */
    public record Ack(String jobId, int attempt, Status status, long committed, boolean truncated) {}

    public enum Status {
        /** Appended (or already there): the attempt's log is committed up to {@code committed}. */
        @JsonProperty("appended")
        APPENDED,
        /** The chunk starts beyond the committed length: nothing was appended. */
        @JsonProperty("gap")
        GAP,
        /** The attempt is not running on this runner (any more): stop sending its log. */
        @JsonProperty("stale")
        STALE
    }
}
