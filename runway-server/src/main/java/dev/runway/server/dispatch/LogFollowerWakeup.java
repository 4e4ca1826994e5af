package dev.runway.server.dispatch;

import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;

/** Wakes requests following a job's log (or waiting for its end) whenever the job changes state. */
public final class LogFollowerWakeup implements TransitionListener {
    private final Wakeups jobEvents;

    public LogFollowerWakeup(Wakeups jobEvents) {
        this.jobEvents = jobEvents;
    }

    @Override
    public void on(Transition t) {
        jobEvents.signal(t.jobId());
    }
}
