package dev.runway.server.dispatch;

import dev.runway.protocol.JobState;
import dev.runway.server.store.Labels;
import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;

/**
 * Tells the dispatcher of every job state change: a job queued (new or requeued) wakes a waiting runner that can
 * take it; an attempt that ended wakes its runner's waiting polls (a slot is free); any other change (claimed,
 * finished) is a change of the queue or the running set. Other replicas hear of the same through {@link
 * dev.runway.server.store.JobNotifications} (PostgreSQL).
 */
public final class DispatcherWakeup implements TransitionListener {
    private final Dispatcher dispatcher;

    public DispatcherWakeup(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void on(Transition t) {
        if (t.from() == JobState.RUNNING && t.runnerId() != null) dispatcher.attemptEnded(t.runnerId());
        if (t.to() == JobState.QUEUED)
            dispatcher.jobQueued(Labels.normalise(t.job().labels()));
        else dispatcher.signalChange();
    }
}
