package dev.runway.server.forge;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends commit statuses in the background, off the path of the job changes that make them. Only the newest status
 * of a context on a commit is kept (a job's "success" replaces its "running" not yet sent), so a forge that was down
 * gets the outcome, not the history, and never sees them out of order. A forge that cannot be reached or answers
 * 5xx/429 is tried again with a growing pause (1 s doubling to 5 min); a status it refuses (4xx: a bad token, a
 * repository it does not have) is dropped with a warning, so one bad repository cannot stall the others. At most
 * {@link #MAX_PENDING} contexts wait; past that the oldest is dropped with a warning. Nothing is kept across a
 * restart: a job that finished while the forge was down and the control plane then restarted keeps its last status
 * there until its run is re-run.
 */
final class StatusDelivery {
    private static final Logger log = LoggerFactory.getLogger(StatusDelivery.class);
    static final int MAX_PENDING = 10_000;
    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    static final Duration LAST_PAUSE = Duration.ofMinutes(5);

    /** Where a status goes; {@link StatusApi#post} in the server. */
    interface Sink {
        void post(CommitStatus s) throws IOException, InterruptedException;
    }

    private final Sink sink;
    private final LongSupplier nanos;
    private final Map<CommitStatus.Key, CommitStatus> pending = new LinkedHashMap<>();
    private long pauseNanos;
    private long notBefore;
    private long dropped;

    StatusDelivery(Sink sink, LongSupplier nanos) {
        this.sink = sink;
        this.nanos = nanos;
    }

    synchronized void offer(CommitStatus s) {
        pending.remove(s.key()); // the newer one goes to the back: the order the forge sees is the order of change
        pending.put(s.key(), s);
        if (pending.size() > MAX_PENDING) {
            Iterator<CommitStatus> oldest = pending.values().iterator();
            CommitStatus gone = oldest.next();
            oldest.remove();
            if (dropped++ % 1000 == 0)
                log.warn(
                        "{} commit statuses wait for the forge; dropping the oldest ({} on {})",
                        MAX_PENDING,
                        gone.context(),
                        gone.repository());
        }
        notifyAll();
    }

    synchronized int pending() {
        return pending.size();
    }

    /**
     * Sends what is due, oldest first, until the forge fails (then pauses) or nothing is left; returns how many were
     * delivered. For the background thread and, stepped, for tests.
     */
    int deliverOnce() throws InterruptedException {
        List<CommitStatus> due;
        synchronized (this) {
            if (nanos.getAsLong() - notBefore < 0) return 0;
            due = new ArrayList<>(pending.values());
        }
        int sent = 0;
        for (CommitStatus s : due) {
            try {
                sink.post(s);
                sent++;
                done(s);
                pauseNanos = 0;
            } catch (StatusApi.Refused e) {
                if (e.retry) {
                    pause(s, e);
                    return sent;
                }
                log.warn(
                        "the forge refused commit status {} on {}@{} ({}); not sent again",
                        s.context(),
                        s.repository(),
                        s.sha(),
                        e.getMessage());
                done(s);
            } catch (IOException e) {
                pause(s, e);
                return sent;
            }
        }
        return sent;
    }

    /** Sent (or given up): forgotten, unless a newer status of its context came meanwhile. */
    private synchronized void done(CommitStatus s) {
        pending.remove(s.key(), s);
    }

    private synchronized void pause(CommitStatus s, IOException e) {
        pauseNanos = pauseNanos == 0 ? FIRST_PAUSE.toNanos() : Math.min(LAST_PAUSE.toNanos(), pauseNanos * 2);
        notBefore = nanos.getAsLong() + pauseNanos;
        log.warn(
                "cannot send commit status {} on {} ({}); {} wait, trying again in {} s",
                s.context(),
                s.repository(),
                e.getMessage(),
                pending.size(),
                pauseNanos / 1_000_000_000);
    }

    /** Delivers until interrupted, waking when a status comes or a pause ends. */
    void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                synchronized (this) {
                    while (pending.isEmpty()) wait();
                    long wait = notBefore - nanos.getAsLong();
                    if (wait > 0) {
                        wait(Math.max(1, wait / 1_000_000));
                        continue;
                    }
                }
                deliverOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
