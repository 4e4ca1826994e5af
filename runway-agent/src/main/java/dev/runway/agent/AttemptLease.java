package dev.runway.agent;

import dev.runway.agent.exec.JobControl;
import dev.runway.protocol.Assignment;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's half of an attempt's lease: heartbeats renew it, and a watchdog stops the attempt (process tree killed,
 * container removed, through {@link JobControl#cancel}) once it has gone unrenewed for the lease less a safety
 * margin — before the control plane may give the job to another runner. Time is measured on the agent's own
 * monotonic clock from when each successful heartbeat was <em>sent</em>, which is never later than when the control
 * plane renewed the lease on its clock: the two clocks need not agree. The clock is injected so tests need not wait.
 */
final class AttemptLease {
    private static final Logger log = LoggerFactory.getLogger(AttemptLease.class);
    private static final long SECOND = 1_000_000_000L;

    private final Assignment a;
    private final LeaseRenewer renewer;
    private final JobControl control;
    private final LongSupplier nanos;
    private final long leaseNanos;
    private final long marginNanos;
    private volatile long renewedAt;
    private volatile String lost;
    private volatile boolean ended;
    private volatile boolean renewing;
    private Thread watchdog;

    /** Starts the lease's clock now: the assignment was just received, so the control plane claimed it before. */
    AttemptLease(Assignment a, LeaseRenewer renewer, JobControl control, LongSupplier nanos) {
        this(a, renewer, control, nanos, nanos.getAsLong());
    }

    /**
     * Starts the lease's clock at {@code polledAt} (agent clock), when the poll that brought the assignment was sent,
     * plus the time the control plane says it held the poll before claiming ({@link Assignment#heldMillis()}): the
     * claim, which started the control plane's lease, came no earlier. Counting from the answer's arrival instead let
     * a job whose answer took 7 s run on past its lease beside the next attempt.
     */
    AttemptLease(Assignment a, LeaseRenewer renewer, JobControl control, LongSupplier nanos, long polledAt) {
        this.a = a;
        this.renewer = renewer;
        this.control = control;
        this.nanos = nanos;
        this.leaseNanos = Math.max(0, a.leaseSeconds()) * SECOND;
        this.marginNanos = margin(leaseNanos);
        long now = nanos.getAsLong();
        long claimed = polledAt + a.heldMillis() * 1_000_000L;
        this.renewedAt = claimed - now > 0 ? now : claimed; // never later than now
    }

    /** Whether more than half of the lease has gone unrenewed, as when the assignment took long to arrive. */
    boolean halfSpent() {
        return leaseNanos > 0 && nanos.getAsLong() - renewedAt > leaseNanos / 2;
    }

    /**
     * How long before the lease would run out the agent stops an unrenewed attempt: a fifth of the lease, at least 5
     * s (but no more than half of a short lease) — time to kill the step's process tree (SIGTERM, SIGKILL 2 s later)
     * and remove its container, and to cover the delay between the claim and the assignment's arrival.
     */
    static long margin(long leaseNanos) {
        return Math.max(leaseNanos / 5, Math.min(5 * SECOND, leaseNanos / 2));
    }

    /** On the agent's clock, when it stops the attempt unless a heartbeat renews the lease first. */
    long deadline() {
        return renewedAt + leaseNanos - marginNanos;
    }

    /** A heartbeat sent at {@code sentAt} (agent clock) was answered: the lease runs from then. */
    void renewed(long sentAt) {
        if (lost == null && sentAt - renewedAt > 0) renewedAt = sentAt;
    }

    /**
     * Past the deadline, stops the attempt (once) and returns true. An old control plane that sends no lease
     * duration ({@code leaseSeconds} 0) gets no watchdog.
     */
    boolean check() {
        if (leaseNanos <= 0) return false;
        long now = nanos.getAsLong();
        if (lost != null) return true;
        if (now - deadline() < 0) return false;
        lost = "control plane unreachable for " + (now - renewedAt) / SECOND + " s: attempt " + a.attempt()
                + " stopped";
        log.warn(
                "job {}: {} (its lease of {} s would run out; another runner may get the job)",
                a.jobId(),
                lost,
                a.leaseSeconds());
        control.cancel(lost);
        return true;
    }

    /**
     * How long the attempt may go on unrenewed from now (negative once past its deadline); {@link Long#MAX_VALUE}
     * when there is nothing to stop: no lease, execution ended, or already stopped.
     */
    long remainingNanos() {
        if (leaseNanos <= 0 || lost != null || ended) return Long.MAX_VALUE;
        return deadline() - nanos.getAsLong();
    }

    /** The attempt is lost for {@code why} (once): stopped, and its result never reported. */
    void lose(String why) {
        synchronized (this) {
            if (lost != null || ended) return;
            lost = why + ": attempt " + a.attempt() + " stopped";
        }
        log.warn("job {}: {}", a.jobId(), lost);
        control.cancel(lost);
    }

    /** Why the attempt was stopped for want of renewal, or null. */
    String lost() {
        return lost;
    }

    /**
     * Starts renewing (with every other running attempt of the agent, in one call) and the watchdog. When half of the
     * lease is already spent (the assignment was slow to arrive) it first renews at once, so that a job whose lease
     * still holds is not stopped for the delay and one whose lease ran out does not start.
     */
    void start() {
        renewing = true;
        if (halfSpent()) {
            try {
                renewer.renewNow(this);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the job is being stopped; the watchdog still watches
            }
        }
        renewer.add(this);
        if (leaseNanos > 0) watchdog = LeaseThreads.start("lease-" + a.jobId() + "-" + a.attempt(), this::watchLoop);
    }

    /** The attempt the lease is for. */
    Assignment assignment() {
        return a;
    }

    /** Whether its lease should still be renewed: started, not stopped, not lost or abandoned. */
    boolean renewing() {
        return renewing && lost == null;
    }

    /**
     * The control plane's answer to a renewal sent at {@code sentAt} (agent clock): renewed (perhaps with a request
     * to stop the job, whose result is still reported), or no longer current, when the attempt is given up unreported.
     */
    void answered(long sentAt, boolean renewed, boolean cancel, String reason) {
        if (!renewed) {
            renewing = false;
            control.abandon("the control plane no longer knows this attempt (" + reason + ")");
            return;
        }
        renewed(sentAt);
        if (cancel) control.cancel(reason == null ? "cancelled" : reason);
    }

    /** Nothing of the attempt runs any more (it is delivering its log and result): nothing left to stop. */
    void executionEnded() {
        ended = true;
        if (watchdog != null) watchdog.interrupt();
    }

    void stop() {
        renewing = false;
        renewer.remove(this);
        if (watchdog != null) watchdog.interrupt();
    }

    private void watchLoop() {
        while (!check()) {
            long wait = deadline() - nanos.getAsLong(); // the deadline only moves later: sleep to it, then look again
            try {
                Thread.sleep(Duration.ofNanos(Math.max(1_000_000L, wait)));
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
