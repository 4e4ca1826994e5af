package dev.runway.protocol;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/v1/runner/leases}, sent with the runner credential: renew the leases of these attempts,
 * all of which the runner is running now. One call a heartbeat interval for all of a runner's attempts, where a
 * heartbeat per attempt made a write per attempt per interval: 200 attempts on one runner were 200 transactions a
 * second, and renewals fell behind their leases when a restarted control plane was asked for all of them at once.
 *
 * @param attempts at most {@link #MAX_ATTEMPTS}; an attempt not listed is not renewed
 */
public record LeaseRenewal(List<Attempt> attempts) {
    /** More than any runner's slots; a larger body is refused (400). */
    public static final int MAX_ATTEMPTS = 10_000;

    /**
     * The body's own limit, whatever the server's {@code --max-body-size}: a small body limit must not stop the leases
     * of a busy runner from being renewed. {@link #MAX_ATTEMPTS} attempts take well under a MiB.
     */
    public static final long MAX_BODY_BYTES = 2L * 1024 * 1024;

    public LeaseRenewal {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** One attempt of a job. */
    public record Attempt(String jobId, int attempt) {}

    /**
     * The answer: one entry per attempt asked for, in the same order.
     *
     * @param attempts what became of each
     */
    public record Answer(List<Lease> attempts) {
        public Answer {
            attempts = attempts == null ? List.of() : List.copyOf(attempts);
        }
    }

    /**
     * What became of one attempt's lease.
     *
     * @param renewed whether its lease now runs a full lease from the control plane's receipt of the call; false: the
     *     attempt is no longer current (its lease ran out, its job finished, or it is not this runner's): stop
     *     working on it and do not report it
     * @param cancel whether the agent should stop the job now (a user cancelled it, or it reached its timeout); its
     *     result is still reported
     * @param reason why it should stop, when {@code cancel}
     */
    public record Lease(
            String jobId,
            int attempt,
            boolean renewed,
            boolean cancel,
            @Nullable String reason) {}
}
