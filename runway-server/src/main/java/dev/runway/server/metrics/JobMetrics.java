package dev.runway.server.metrics;

import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;
import java.util.function.Function;

/** Counts every job that finished (M1, M2) and every attempt whose runner was lost, whatever ended it. */
public final class JobMetrics implements TransitionListener {
    private final ServerMetrics metrics;
    private final Function<String, RunnerRecord> runners;

    /** {@code runners} finds a runner by id, deleted ones included (for its pool). */
    public JobMetrics(ServerMetrics metrics, Function<String, RunnerRecord> runners) {
        this.metrics = metrics;
        this.runners = runners;
    }

    @Override
    public void on(Transition t) {
        if (!t.finished() && !t.runnerLost()) return;
        RunnerRecord r = t.runnerId() == null ? null : runners.apply(t.runnerId());
        String pool = r == null ? null : r.pool();
        if (t.runnerLost()) metrics.attemptLost(t.job().labels(), pool);
        if (t.finished())
            metrics.jobFinished(
                    t.job().labels(), pool, JobOutcome.of(t.to(), t.job().reason()), t.durationSeconds());
    }
}
