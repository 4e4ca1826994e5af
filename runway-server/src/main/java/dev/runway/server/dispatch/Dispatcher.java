package dev.runway.server.dispatch;

import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunnerRecord;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands queued jobs to long-polling runners. A poll first tries to claim; if nothing matches it waits until an
 * enqueue wakes it (no poll interval in the latency path) or, as a safety net for jobs queued through another
 * replica, until {@link #RECHECK_MILLIS} pass, and tries again. The claim itself is atomic in the store.
 */
public final class Dispatcher {
    static final long RECHECK_MILLIS = 1000;

    private static final class Waiter {
        final String runnerId;
        final Set<String> labels;
        final CompletableFuture<Void> wake = new CompletableFuture<>();
        volatile boolean released;

        Waiter(String runnerId, Set<String> labels) {
            this.runnerId = runnerId;
            this.labels = labels;
        }

        Set<String> labels() {
            return labels;
        }

        CompletableFuture<Void> wake() {
            return wake;
        }
    }

    private final JobStore jobs;
    private final InstantSource clock;
    private final long leaseMillis;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;
    private final AtomicReference<CompletableFuture<Void>> changed = new AtomicReference<>(new CompletableFuture<>());

    public Dispatcher(JobStore jobs, InstantSource clock, long leaseMillis) {
        this.jobs = jobs;
        this.clock = clock;
        this.leaseMillis = leaseMillis;
    }

    /**
     * A claim and when (on this process's {@link System#nanoTime()}) the store call that made it began: the lease
     * started no earlier, so the runner may count its lease from then.
     */
    public record Claimed(JobStore.Claim claim, long claimStartedNanos) {}

    /** Claims a job for {@code runner}, waiting up to {@code waitMillis}; null if none came. */
    public Claimed next(RunnerRecord runner, long waitMillis) {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (!closed) {
            Waiter w = new Waiter(runner.id(), runner.labels());
            waiters.add(w); // before the claim, so an enqueue in between still wakes us
            try {
                long claimStarted = System.nanoTime();
                JobStore.Claim claim = jobs.claim(
                        runner.id(), runner.name(), runner.labels(), runner.slots(), clock::millis, leaseMillis);
                if (claim != null) return new Claimed(claim, claimStarted); // the store's transition signals the change
                if (w.released) return null;
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) return null;
                Wakeups.await(w.wake(), Math.min(remaining, RECHECK_MILLIS));
                if (w.released) return null;
            } finally {
                waiters.remove(w);
            }
        }
        return null;
    }

    /** A job with these labels was queued (or requeued): wake one waiting runner that can take it. */
    public void jobQueued(Set<String> jobLabels) {
        signalChange();
        for (Waiter w : waiters) {
            if (Labels.satisfies(w.labels(), jobLabels) && w.wake().complete(null)) return;
        }
    }

    /**
     * Ends the polls {@code runnerId} has waiting now (they answer "nothing"), so a stopping agent need not cut its own
     * connection, which could drop a job claimed in that instant. A poll already claiming still gets its job.
     */
    public void release(String runnerId) {
        for (Waiter w : waiters) {
            if (w.runnerId.equals(runnerId)) {
                w.released = true;
                w.wake().complete(null);
            }
        }
    }

    /**
     * Completes when the queue or the runner set next changes on this replica (a job queued or claimed or finished,
     * a runner registered or gone). Take it before reading the state, then wait on it: no change is missed.
     */
    public CompletableFuture<Void> changes() {
        return changed.get();
    }

    public void signalChange() {
        changed.getAndSet(new CompletableFuture<>()).complete(null);
    }

    public int waiting() {
        return waiters.size();
    }

    /** Releases every held poll (they answer "nothing"). */
    public void close() {
        closed = true;
        signalChange();
        waiters.forEach(w -> w.wake().complete(null));
    }
}
