package dev.runway.protocol;

/**
 * A claimed job (200 answer to a poll; 204 means nothing to do). {@code jobToken} authenticates every later
 * call for this attempt only; after the lease is lost those calls answer 409 {@code stale_attempt}.
 * The agent must heartbeat at least every {@code heartbeatSeconds}; the lease lasts {@code leaseSeconds}. {@code
 * secrets} are the values of the secrets the job's steps reference ({@code secrets.NAME}), decrypted for this attempt
 * only: they are in no stored job spec, and the agent masks them in everything it sends back. {@code heldMillis} is how
 * long the control plane held the poll before it began the claim that started the lease (its own monotonic clock):
 * the agent counts the lease from the moment it sent the poll plus that, never from the answer's arrival, which a slow
 * network or a busy control plane can delay by more than the lease (0 from an older control plane: the poll's
 * sending is then the safe start).
 */
public record Assignment(
        String jobId,
        int attempt,
        String jobToken,
        JobSpec spec,
        int leaseSeconds,
        int heartbeatSeconds,
        java.util.Map<String, String> secrets,
        long heldMillis) {
    public Assignment {
        heldMillis = Math.max(0, heldMillis);
        secrets = secrets == null ? java.util.Map.of() : java.util.Map.copyOf(secrets);
    }

    public Assignment(
            String jobId,
            int attempt,
            String jobToken,
            JobSpec spec,
            int leaseSeconds,
            int heartbeatSeconds,
            java.util.Map<String, String> secrets) {
        this(jobId, attempt, jobToken, spec, leaseSeconds, heartbeatSeconds, secrets, 0);
    }

    public Assignment(
            String jobId, int attempt, String jobToken, JobSpec spec, int leaseSeconds, int heartbeatSeconds) {
        this(jobId, attempt, jobToken, spec, leaseSeconds, heartbeatSeconds, java.util.Map.of());
    }

    /** Never prints secret values. */
    @Override
    public String toString() {
        return "Assignment[jobId=" + jobId + ", attempt=" + attempt + ", secrets=" + secrets.keySet() + "]";
    }
}
