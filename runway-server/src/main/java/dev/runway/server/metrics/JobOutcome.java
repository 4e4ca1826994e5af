package dev.runway.server.metrics;

import dev.runway.protocol.JobState;
import java.util.Locale;

/**
 * How a finished job is counted (M1), the one definition both {@code runway_jobs_finished_total} ({@link
 * ServerMetrics}) and {@code GET /api/v1/stats} ({@link StatsQuery}) use, so the two agree by construction.
 */
public enum JobOutcome {
    SUCCEEDED,
    FAILED,
    CANCELLED,
    TIMED_OUT,
    /** Failed because its last attempt's runner was gone: it stopped heartbeating, or it was deleted. */
    RUNNER_LOST;

    /** The {@code outcome} label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome of a job in {@code state} with {@code reason}; null if it has not finished or never ran (skipped). */
    public static JobOutcome of(JobState state, String reason) {
        return switch (state) {
            case QUEUED, RUNNING, SKIPPED -> null;
            case SUCCEEDED -> SUCCEEDED;
            case CANCELLED -> CANCELLED;
            case TIMED_OUT -> TIMED_OUT;
            case FAILED ->
                reason != null && (reason.startsWith("runner lost") || reason.startsWith("runner deleted"))
                        ? RUNNER_LOST
                        : FAILED;
        };
    }
}
