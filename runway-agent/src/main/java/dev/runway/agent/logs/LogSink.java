package dev.runway.agent.logs;

import dev.runway.agent.client.JobCalls;
import dev.runway.protocol.LogAppendResponse;
import java.io.IOException;

/**
 * Where a {@link LogSpool} sends its chunks: one upload per chunk with the attempt's token ({@link #direct}), or
 * together with other attempts' chunks in one call ({@link LogBatcher}). Either way the answer and the failures are
 * those of {@link JobCalls#appendLog}: a {@link dev.runway.agent.client.ServerException} 409 with the committed length
 * for a gap, 409 {@code stale_attempt} for an attempt that no longer runs.
 */
@FunctionalInterface
public interface LogSink {
    LogAppendResponse append(String jobId, int attempt, String jobToken, long offset, byte[] chunk)
            throws IOException, InterruptedException;

    /** A call per chunk. */
    static LogSink direct(JobCalls calls) {
        return (jobId, attempt, jobToken, offset, chunk) -> calls.appendLog(jobId, jobToken, offset, chunk);
    }
}
