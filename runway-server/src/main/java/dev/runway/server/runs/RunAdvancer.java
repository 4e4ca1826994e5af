package dev.runway.server.runs;

import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Moves a workflow run on when one of its jobs finished, whatever finished it; each run once per batch. */
public final class RunAdvancer implements TransitionListener {
    private final RunScheduler scheduler;

    public RunAdvancer(RunScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void on(Transition t) {
        onAll(List.of(t));
    }

    @Override
    public void onAll(List<Transition> batch) {
        Set<String> runs = new LinkedHashSet<>();
        for (Transition t : batch) if (t.finished() && t.runId() != null) runs.add(t.runId());
        runs.forEach(scheduler::jobFinished);
    }
}
