package dev.runway.server.dispatch;

import dev.runway.protocol.LogContext;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Transition;
import java.time.InstantSource;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease loop: attempts whose runner stopped heartbeating are lost; their jobs are requeued or finished (what
 * follows, a runner woken, metrics, the run moved on, is the store's transitions' listeners' part). {@link
 * #runOnce()} is one pass, so tests can step it.
 */
public final class LeaseReaper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);

    private final JobStore jobs;
    private final InstantSource clock;
    private final long leaseMillis;

    /** Elapsed time in milliseconds from a monotonic source (wall-clock steps are not stalls). */
    private final LongSupplier monotonicMillis;
    /** The loop not having run for longer than this means the control plane was not serving (half a lease). */
    private final long stallMillis;
    /**
     * When the last pass that reached the store (or {@link #startServing()}) began, by {@link #monotonicMillis}; -1
     * before either.
     */
    private long lastPassAt = -1;

    public LeaseReaper(JobStore jobs, InstantSource clock, long leaseMillis) {
        this(jobs, clock, leaseMillis, () -> System.nanoTime() / 1_000_000);
    }

    /** With {@code monotonicMillis}, how the loop measures its own elapsed time (tests inject one with the clock). */
    public LeaseReaper(JobStore jobs, InstantSource clock, long leaseMillis, LongSupplier monotonicMillis) {
        this.jobs = jobs;
        this.clock = clock;
        this.leaseMillis = leaseMillis;
        this.monotonicMillis = monotonicMillis;
        this.stallMillis = leaseMillis / 2;
    }

    /**
     * The control plane serves from now (it is listening): every running attempt gets a full lease from now, so the
     * time it was down or starting counts against no runner. Safe with several replicas: a replica that starts only
     * lengthens leases, so it never reaps an attempt whose runner is attached to another replica that is up.
     */
    public synchronized int startServing() {
        lastPassAt = monotonicMillis.getAsLong();
        int n = jobs.extendLeases(clock.millis(), leaseMillis);
        if (n > 0) log.info("serving: {} running attempt(s) get a full lease of {} ms from now", n, leaseMillis);
        return n;
    }

    /**
     * One pass: first, if the loop has not run for more than half a lease (the process was paused or stalled: SIGSTOP,
     * a long GC, a frozen VM, a database that did not answer), every running attempt gets a full lease from now as at
     * a start, since no heartbeat could be answered meanwhile; then attempts whose lease ran out are lost.
     */
    public synchronized List<Transition> runOnce() {
        long at = monotonicMillis.getAsLong();
        if (lastPassAt < 0) {
            startServing();
        } else if (at - lastPassAt > stallMillis) {
            int n = jobs.extendLeases(clock.millis(), leaseMillis);
            log.warn(
                    "the lease loop did not run for {} ms (the control plane was stalled); {} running attempt(s) get a"
                            + " full lease from now",
                    at - lastPassAt,
                    n);
        }
        List<Transition> expired = jobs.expireLeases(clock.millis(), leaseMillis);
        lastPassAt = at; // only a pass that reached the database counts: an outage of the store is a stall too
        for (Transition t : expired) {
            try (LogContext ignored = LogContext.with(
                    LogContext.JOB_ID,
                    t.jobId(),
                    LogContext.ATTEMPT,
                    Integer.toString(t.attempt()),
                    LogContext.RUNNER_ID,
                    t.runnerId(),
                    LogContext.RUN_ID,
                    t.runId())) {
                log.warn(
                        "job {} attempt {}: lease expired (runner {}), now {}",
                        t.jobId(),
                        t.attempt(),
                        t.runnerId(),
                        t.to().wireName());
            }
        }
        return expired;
    }

    @Override
    public void run() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            log.error("lease loop failed; will retry", e); // never let one failure stop the loop
        }
    }
}
