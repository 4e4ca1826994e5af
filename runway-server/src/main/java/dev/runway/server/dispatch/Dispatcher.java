package dev.runway.server.dispatch;

import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunnerRecord;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands queued jobs to long-polling runners. A poll first tries to claim; if nothing matches it waits, costing
 * nothing, until an enqueue whose labels it has wakes it (no poll interval in the latency path), and tries again.
 * Waiting polls are indexed by their runner's label set, oldest first, so an enqueue looks at the label sets (few)
 * rather than the polls (up to tens of thousands), and a poll joins and leaves the index in constant time.
 *
 * <p>On PostgreSQL other replicas' changes arrive as they commit ({@code JobNotifications}: jobs queued, concurrency
 * groups freed). Work this process is not told of — a slot freed for a full runner's poll; on PostgreSQL whatever
 * was sent while the LISTEN connection was down — is found by {@link #recheck}, one grouped read of the
 * queue for the whole server (not a claim per poll per second), which wakes as many matching polls as there are
 * queued jobs: every second ({@link #tick}) unless the server listens, then when asked and every {@link
 * #SAFETY_RECHECK_MILLIS}. The claim itself is atomic in the store.
 */
public final class Dispatcher {
    /** How often the control plane's loop calls {@link #tick}. */
    public static final long RECHECK_MILLIS = 1000;

    /**
     * How often a replica that hears of the others' changes as they commit (PostgreSQL's LISTEN/NOTIFY) still looks
     * at the queue: a safety net for a notification lost between a dropped LISTEN connection and its replacement.
     */
    public static final long SAFETY_RECHECK_MILLIS = 15_000;

    /** What the dispatcher needs of the job store: the claim, and the queued jobs by label set. */
    public interface Queue {
        JobStore.Claim claim(RunnerRecord runner, java.util.function.LongSupplier now, long leaseMillis);

        List<JobStore.QueueGroup> queuedGroups();
    }

    private static final class Waiter {
        final String runnerId;
        final Set<String> labels;
        final CompletableFuture<Void> wake = new CompletableFuture<>();
        volatile boolean released;

        Waiter(String runnerId, Set<String> labels) {
            this.runnerId = runnerId;
            this.labels = labels;
        }
    }

    private final Queue jobs;
    private final InstantSource clock;
    private final long leaseMillis;
    /** Waiting polls by label set, oldest first; and by runner (for {@link #release}). Guarded by {@code this}. */
    private final Map<Set<String>, LinkedHashSet<Waiter>> byLabels = new HashMap<>();

    private final Map<String, Set<Waiter>> byRunner = new HashMap<>();
    private int waiting;
    private volatile boolean closed;
    private final AtomicReference<CompletableFuture<Void>> changed = new AtomicReference<>(new CompletableFuture<>());

    public Dispatcher(JobStore jobs, InstantSource clock, long leaseMillis) {
        this(
                new Queue() {
                    @Override
                    public JobStore.Claim claim(RunnerRecord r, java.util.function.LongSupplier now, long leaseMillis) {
                        return jobs.claim(r.id(), r.name(), r.labels(), r.slots(), now, leaseMillis);
                    }

                    @Override
                    public List<JobStore.QueueGroup> queuedGroups() {
                        return jobs.queuedGroups();
                    }
                },
                clock,
                leaseMillis);
    }

    public Dispatcher(Queue jobs, InstantSource clock, long leaseMillis) {
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
        Set<String> labels = Labels.normalise(runner.labels());
        while (!closed) {
            Waiter w = new Waiter(runner.id(), labels);
            add(w); // before the claim, so an enqueue in between still wakes us
            try {
                long claimStarted = System.nanoTime();
                JobStore.Claim claim = jobs.claim(runner, clock::millis, leaseMillis);
                if (claim != null) return new Claimed(claim, claimStarted); // the store's transition signals the change
                if (w.released) return null;
                long remaining = (deadline - System.nanoTime()) / 1_000_000;
                if (remaining <= 0) return null;
                Wakeups.await(w.wake, remaining);
                if (w.released) return null;
            } finally {
                remove(w);
            }
        }
        return null;
    }

    private synchronized void add(Waiter w) {
        byLabels.computeIfAbsent(w.labels, k -> new LinkedHashSet<>()).add(w);
        byRunner.computeIfAbsent(w.runnerId, k -> new LinkedHashSet<>()).add(w);
        waiting++;
    }

    private synchronized void remove(Waiter w) {
        LinkedHashSet<Waiter> group = byLabels.get(w.labels);
        if (group != null && group.remove(w)) {
            waiting--;
            if (group.isEmpty()) byLabels.remove(w.labels);
        }
        Set<Waiter> mine = byRunner.get(w.runnerId);
        if (mine != null && mine.remove(w) && mine.isEmpty()) byRunner.remove(w.runnerId);
    }

    /** A job with these labels was queued (or requeued): wake one waiting runner that can take it. */
    public void jobQueued(Set<String> jobLabels) {
        jobsQueued(jobLabels, 1);
    }

    /**
     * {@code n} jobs with these labels were queued (here or, told by a notification, on another replica): wakes as
     * many waiting runners that can take them. Null labels (not known): the next {@link #tick} looks at the queue.
     */
    public void jobsQueued(Set<String> jobLabels, int n) {
        signalChange();
        if (jobLabels == null) wantRecheck();
        else wake(Labels.normalise(jobLabels), n);
    }

    /**
     * An attempt of {@code runnerId} ended: its waiting polls try again at once (a slot is free), and the next {@link
     * #tick} looks at the queue (a job of the attempt's concurrency group may be free to start now).
     */
    public void attemptEnded(String runnerId) {
        List<Waiter> mine;
        synchronized (this) {
            mine = new ArrayList<>(byRunner.getOrDefault(runnerId, Set.of()));
        }
        for (Waiter w : mine) w.wake.complete(null);
        signalChange();
        wantRecheck();
    }

    private volatile boolean recheckWanted;
    private long lastRecheckNanos = System.nanoTime();

    /** The next {@link #tick} looks at the queue even when it would not otherwise. */
    public void wantRecheck() {
        recheckWanted = true;
    }

    /**
     * The control plane's loop, every {@link #RECHECK_MILLIS}: {@link #recheck} — every time while this replica may
     * miss changes made by others (SQLite has no others, but a poll may wait for a slot; PostgreSQL without a
     * LISTEN connection); while {@code toldOfOthers}, only when something asked for it or every {@link
     * #SAFETY_RECHECK_MILLIS}. Returns how many polls it woke.
     */
    public int tick(boolean toldOfOthers) {
        long now = System.nanoTime();
        if (toldOfOthers && !recheckWanted && now - lastRecheckNanos < SAFETY_RECHECK_MILLIS * 1_000_000) return 0;
        recheckWanted = false;
        lastRecheckNanos = now;
        return recheck();
    }

    /** Wakes up to {@code n} waiting polls, oldest first within a label set, whose runner can take {@code jobLabels}. */
    private synchronized int wake(Set<String> jobLabels, int n) {
        int woken = 0;
        for (var group : byLabels.entrySet()) {
            if (!Labels.satisfies(group.getKey(), jobLabels)) continue;
            for (Waiter w : group.getValue()) {
                if (woken >= n) return woken;
                if (w.wake.complete(null)) woken++;
            }
        }
        return woken;
    }

    /**
     * The one periodic check of the whole server: for each label set with queued jobs, wakes as many matching polls
     * as there are such jobs, so they claim. Costs one grouped read, and nothing while no poll waits. Returns how many
     * polls it woke.
     */
    public int recheck() {
        if (closed || waiting() == 0) return 0;
        int woken = 0;
        for (JobStore.QueueGroup g : jobs.queuedGroups()) woken += wake(g.labels(), g.queued());
        return woken;
    }

    /**
     * Ends the polls {@code runnerId} has waiting now (they answer "nothing"), so a stopping agent need not cut its own
     * connection, which could drop a job claimed in that instant. A poll already claiming still gets its job.
     */
    public void release(String runnerId) {
        List<Waiter> mine;
        synchronized (this) {
            mine = new ArrayList<>(byRunner.getOrDefault(runnerId, Set.of()));
        }
        for (Waiter w : mine) {
            w.released = true;
            w.wake.complete(null);
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

    public synchronized int waiting() {
        return waiting;
    }

    /** Whether {@link #close} was called: the control plane is stopping. */
    public boolean closed() {
        return closed;
    }

    /** Releases every held poll (they answer "nothing"). */
    public void close() {
        closed = true;
        signalChange();
        List<Waiter> all = new ArrayList<>();
        synchronized (this) {
            byLabels.values().forEach(all::addAll);
        }
        all.forEach(w -> w.wake.complete(null));
    }
}
