package dev.runway.agent;

import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.LeaseRenewal;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's heartbeat: one call a heartbeat interval renews the leases of all its running attempts (the batched
 * {@code POST /runner/leases}), where a call per attempt made the control plane write once per attempt per
 * interval. Each lease learns its own answer; a renewal counts from when the call was sent (see
 * {@link AttemptLease#renewed}). A control plane that predates the batched call (404) is asked per attempt, as before.
 *
 * <p>A call stuck on a stalled connection must not hold back the next one while the leases run down, so each round
 * is sent on its own thread ({@link LeaseThreads}), with at most {@link #MAX_IN_FLIGHT} rounds in flight. {@link #renewOnce()} is
 * one round, synchronously, for tests.
 *
 * <p>It needs both kinds of call: the batched renewal is the runner's ({@link RunnerCalls}, with the runner
 * credential), the per-attempt fallback an attempt's ({@link JobCalls}, with its job token).
 */
final class LeaseRenewer {
    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);
    static final int MAX_IN_FLIGHT = 2;

    private final RunnerCalls runner;
    private final JobCalls jobs;
    private final Supplier<String> credential;
    private final LongSupplier nanos;
    private final Set<AttemptLease> leases = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean perAttempt;
    private volatile String lastFailure;

    LeaseRenewer(RunnerCalls runner, JobCalls jobs, Supplier<String> credential, LongSupplier nanos) {
        this.runner = runner;
        this.jobs = jobs;
        this.credential = credential;
        this.nanos = nanos;
    }

    void add(AttemptLease lease) {
        leases.add(lease);
    }

    void remove(AttemptLease lease) {
        leases.remove(lease);
    }

    /** Rounds every heartbeat interval (the shortest the control plane asked of a running attempt) until interrupted. */
    void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval());
            } catch (InterruptedException e) {
                return;
            }
            if (leases.isEmpty() || inFlight.get() >= MAX_IN_FLIGHT) continue;
            inFlight.incrementAndGet();
            LeaseThreads.start("lease-renewal", () -> {
                try {
                    renewOnce();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        }
    }

    /** The shortest heartbeat interval of the running attempts; 1 s when none asks. */
    Duration interval() {
        int seconds = Integer.MAX_VALUE;
        for (AttemptLease l : leases)
            seconds = Math.min(seconds, Math.max(1, l.assignment().heartbeatSeconds()));
        return Duration.ofSeconds(seconds == Integer.MAX_VALUE ? 1 : seconds);
    }

    /** Renews every lease that is still renewing, in one call (or one per attempt for an older control plane). */
    void renewOnce() throws InterruptedException {
        List<AttemptLease> due = new ArrayList<>();
        for (AttemptLease l : leases) if (l.renewing()) due.add(l);
        renew(due);
    }

    /** Renews one lease now, in the caller's thread (an attempt about to start whose lease is half spent). */
    void renewNow(AttemptLease lease) throws InterruptedException {
        renew(List.of(lease));
    }

    private void renew(List<AttemptLease> due) throws InterruptedException {
        if (due.isEmpty()) return;
        if (perAttempt) {
            for (AttemptLease l : due) renewAlone(l);
            return;
        }
        List<LeaseRenewal.Attempt> ask = new ArrayList<>(due.size());
        for (AttemptLease l : due)
            ask.add(new LeaseRenewal.Attempt(
                    l.assignment().jobId(), l.assignment().attempt()));
        long sent = nanos.getAsLong();
        LeaseRenewal.Answer answer;
        try {
            answer = runner.renewLeases(credential.get(), new LeaseRenewal(ask));
        } catch (ServerException e) {
            if (e.status() == 404) {
                log.info("the control plane renews leases one attempt at a time (it predates the batched call)");
                perAttempt = true;
                for (AttemptLease l : due) renewAlone(l);
            } else if (e.unauthorized()) {
                for (AttemptLease l : due) l.answered(sent, false, false, e.getMessage());
            } else {
                failed(due.size(), e.getMessage());
            }
            return;
        } catch (IOException e) {
            failed(due.size(), e.toString()); // the leases may still hold: the watchdogs decide
            return;
        }
        lastFailure = null;
        for (int i = 0; i < due.size(); i++) {
            AttemptLease l = due.get(i);
            LeaseRenewal.Lease got =
                    i < answer.attempts().size() ? answer.attempts().get(i) : null;
            if (got == null
                    || !got.jobId().equals(l.assignment().jobId())
                    || got.attempt() != l.assignment().attempt()) {
                log.warn(
                        "job {}: the control plane's lease answer does not list it",
                        l.assignment().jobId());
                continue; // not renewed this round; its watchdog stops it if this goes on
            }
            l.answered(
                    sent,
                    got.renewed(),
                    got.cancel(),
                    got.renewed()
                            ? got.reason()
                            : "its lease was not renewed: it ran out, its job ended, or its runner was deleted");
        }
    }

    private void renewAlone(AttemptLease l) throws InterruptedException {
        Assignment a = l.assignment();
        long sent = nanos.getAsLong();
        try {
            HeartbeatResponse r = jobs.heartbeat(a.jobId(), a.jobToken());
            l.answered(sent, true, r.cancel(), r.reason());
        } catch (ServerException e) {
            if (e.stale() || e.unauthorized()) l.answered(sent, false, false, e.getMessage());
            else log.warn("job {}: heartbeat failed: {}", a.jobId(), e.getMessage());
        } catch (IOException e) {
            log.warn("job {}: heartbeat failed: {}", a.jobId(), e.toString());
        }
    }

    /** Logs a failed round once per distinct failure, not once a second per attempt. */
    private void failed(int attempts, String why) {
        if (why.equals(lastFailure)) return;
        lastFailure = why;
        log.warn("renewing the leases of {} attempt(s) failed: {}", attempts, why);
    }
}
