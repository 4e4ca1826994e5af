package dev.runway.server.dispatch;

import dev.runway.protocol.JobState;
import dev.runway.server.store.Labels;
import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;

/**
 * Tells the dispatcher of every job state change: a job queued (new or requeued) wakes a waiting runner that can
 * take it; any other change (claimed, finished: a slot is free) is a change of the queue or the running set.
 */
public final class DispatcherWakeup implements TransitionListener {
    private final Dispatcher dispatcher;

    public DispatcherWakeup(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void on(Transition t) {
        if (t.to() == JobState.QUEUED)
            dispatcher.jobQueued(Labels.normalise(t.job().labels()));
        else dispatcher.signalChange();
    }
}
