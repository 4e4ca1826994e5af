package dev.runway.agent.exec;

import dev.runway.protocol.JobState;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the outside stops a running job: a cancel (user, shutdown, job timeout from the server) or an abandon
 * (the attempt was fenced off: stop and do not report). The first request wins.
 */
public final class JobControl {
    public record Stop(JobState result, String reason, boolean abandon) {}

    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private volatile Runnable onStop = () -> {};

    public void cancel(String reason) {
        request(new Stop(JobState.CANCELLED, reason, false));
    }

    public void abandon(String reason) {
        request(new Stop(JobState.CANCELLED, reason, true));
    }

    private void request(Stop s) {
        if (stop.compareAndSet(null, s)) onStop.run();
    }

    public Stop stopped() {
        return stop.get();
    }

    /** Called (once) when a stop is requested; the executor uses it to kill the running step at once. */
    public void onStop(Runnable r) {
        this.onStop = r;
        if (stop.get() != null) r.run();
    }
}
