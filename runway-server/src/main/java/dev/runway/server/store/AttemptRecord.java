package dev.runway.server.store;

/** A row of {@code attempts}: one claim of a job by a runner. {@code state} is running, finished or lost. */
public record AttemptRecord(String jobId, int attempt, String runnerId, String state, long leaseExpiresAt) {
    public boolean running() {
        return "running".equals(state);
    }
}
