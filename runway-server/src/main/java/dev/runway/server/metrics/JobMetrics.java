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

    /**
     * The pool of each runner seen (a runner's pool is set when it registers and never changes): a finished job costs
     * no read of its runner. Emptied past {@link #POOLS_KEPT} runners.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.Optional<String>> pools =
            new java.util.concurrent.ConcurrentHashMap<>();

    static final int POOLS_KEPT = 10_000;

    @Override
    public void on(Transition t) {
        if (!t.finished() && !t.runnerLost()) return;
        String pool = t.runnerId() == null ? null : poolOf(t.runnerId());
        if (t.runnerLost()) metrics.attemptLost(t.job().labels(), pool);
        if (t.finished())
            metrics.jobFinished(
                    t.job().labels(), pool, JobOutcome.of(t.to(), t.job().reason()), t.durationSeconds());
    }

    private String poolOf(String runnerId) {
        java.util.Optional<String> known = pools.get(runnerId);
        if (known != null) return known.orElse(null);
        RunnerRecord r = runners.apply(runnerId);
        if (r == null) return null; // not (yet) to be found: asked again next time
        if (pools.size() >= POOLS_KEPT) pools.clear();
        pools.put(runnerId, java.util.Optional.ofNullable(r.pool()));
        return r.pool();
    }
}
