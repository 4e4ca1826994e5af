package dev.runway.server.store;

import java.util.List;

/** Reacts to committed job state changes; see {@link Transitions}. */
public interface TransitionListener {
    void on(Transition t);

    /** The changes of one transaction, in order; by default each in turn. */
    default void onAll(List<Transition> batch) {
        batch.forEach(this::on);
    }
}
