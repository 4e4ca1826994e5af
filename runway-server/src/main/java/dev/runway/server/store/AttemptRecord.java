package dev.runway.server.store;

/** A row of {@code attempts}: one claim of a job by a runner. */
public record AttemptRecord(String jobId, int attempt, String runnerId, AttemptState state, long leaseExpiresAt) {
    public boolean running() {
        return state == AttemptState.RUNNING;
    }
}
