package dev.runway.protocol;

/**
 * Body of {@code POST /api/v1/runner/health}: whether the runner can take jobs, and if not, why (for example its
 * work directory's disk is nearly full). The runner sends it when its health changes.
 */
public record RunnerHealth(boolean healthy, String reason) {
    public static final int MAX_REASON = 1000;
}
