package dev.runway.server.dispatch;

import dev.runway.protocol.JobState;
import dev.runway.protocol.LogContext;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import java.time.InstantSource;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease loop: attempts whose runner stopped heartbeating are lost; their jobs are requeued (and a waiting
 * runner woken) or finished. {@link #runOnce()} is one pass, so tests can step it.
 */
public final class LeaseReaper implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);

    private final JobStore jobs;
    private final Dispatcher dispatcher;
    private final Wakeups jobEvents;
    private final InstantSource clock;
    private final long leaseMillis;
    private volatile java.util.function.Consumer<JobRecord> onFinished = j -> {};

    public LeaseReaper(JobStore jobs, Dispatcher dispatcher, Wakeups jobEvents, InstantSource clock, long leaseMillis) {
        this.jobs = jobs;
        this.dispatcher = dispatcher;
        this.jobEvents = jobEvents;
        this.clock = clock;
        this.leaseMillis = leaseMillis;
    }

    /** Called with each job the loop finished (failed, timed out, cancelled), e.g. to advance its workflow run. */
    public void onFinished(java.util.function.Consumer<JobRecord> listener) {
        this.onFinished = listener;
    }

    private volatile java.util.function.BiConsumer<JobStore.Expired, JobRecord> onExpired = (e, j) -> {};

    /** Called with each attempt the loop ended and its job as it is now (requeued or finished), e.g. for metrics. */
    public void onExpired(java.util.function.BiConsumer<JobStore.Expired, JobRecord> listener) {
        this.onExpired = listener;
    }

    public List<JobStore.Expired> runOnce() {
        List<JobStore.Expired> expired = jobs.expireLeases(clock.millis(), leaseMillis);
        for (JobStore.Expired e : expired) {
            JobRecord j = jobs.get(e.jobId());
            // the requeue keeps the lost attempt's number until the next claim
            AttemptRecord a = j == null ? null : jobs.attempt(e.jobId(), j.attempt());
            try (LogContext ignored = LogContext.with(
                    LogContext.JOB_ID,
                    e.jobId(),
                    LogContext.ATTEMPT,
                    a == null ? null : Integer.toString(a.attempt()),
                    LogContext.RUNNER_ID,
                    a == null ? null : a.runnerId(),
                    LogContext.RUN_ID,
                    j == null ? null : j.runId())) {
                log.warn(
                        "job {} attempt {}: lease expired (runner {}), now {}",
                        e.jobId(),
                        a == null ? "?" : a.attempt(),
                        a == null ? "?" : a.runnerId(),
                        e.newState().wireName());
                if (e.newState() == JobState.QUEUED) {
                    dispatcher.jobQueued(Labels.normalise(j.labels()));
                }
                jobEvents.signal(e.jobId());
                JobRecord now = jobs.get(e.jobId());
                onExpired.accept(e, now);
                if (e.newState().isTerminal()) onFinished.accept(now);
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
