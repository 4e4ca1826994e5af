package dev.runway.agent.steps;

import dev.runway.agent.output.FileCommands;
import dev.runway.protocol.JobState;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the phases of a JavaScript or Docker action that its {@link Lifecycle} says are due: {@code pre} (if its
 * {@code pre-if} holds), {@code main}, and {@code post} registered for the job's end under its {@code post-if}; what
 * each saves in GITHUB_STATE reaches the later ones.
 */
final class ActionPhases {
    private ActionPhases() {}

    /** What a JavaScript or Docker action runs: its scripts (entrypoints) and their conditions. */
    record Phases(String pre, String preIf, String main, String post, String postIf) {}

    /** How one script (entrypoint) went and what it left in its step files. */
    record ProcessRun(StepRun run, FileCommands.Collected collected) {
        static final FileCommands.Collected NONE = new FileCommands.Collected(Map.of(), "", Map.of());
    }

    /** Runs one script (entrypoint) of an action with the state saved so far; {@code label} names it in the log. */
    @FunctionalInterface
    interface PhaseRunner {
        ProcessRun run(String script, Map<String, String> state, Integer timeoutSeconds, String label);
    }

    /** Runs the phases of {@code p} that {@code life} says are due; conditions are evaluated with {@code conditions}. */
    static ActionKind.Result run(
            JobSteps job,
            Lifecycle life,
            StepExpressions conditions,
            Map<String, String> envContext,
            Expressions.Status status,
            Phases p,
            Integer timeoutSeconds,
            String name,
            PhaseRunner runner) {
        Map<String, String> state = new LinkedHashMap<>(life.state());
        ActionKind.Result result = new ActionKind.Result(StepRun.SUCCEEDED, Map.of());
        List<Lifecycle.Phase> phases = life.phases(
                p.pre() != null,
                () -> Templates.condition(orAlways(p.preIf()), conditions.scope(envContext, status)),
                p.post() != null);
        for (Lifecycle.Phase phase : phases) {
            switch (phase) {
                case PRE -> {
                    ProcessRun pre = runner.run(p.pre(), state, timeoutSeconds, name + " (pre)");
                    state.putAll(pre.collected().state());
                    result = new ActionKind.Result(pre.run(), Map.of());
                    if (pre.run().state() != JobState.SUCCEEDED) {
                        life.finished(state);
                        return result;
                    }
                }
                case MAIN -> {
                    ProcessRun main = runner.run(p.main(), state, timeoutSeconds, name);
                    state.putAll(main.collected().state());
                    result = new ActionKind.Result(main.run(), main.collected().outputs());
                }
                case POST -> {
                    Map<String, String> postState = Map.copyOf(state);
                    String postIf = orAlways(p.postIf());
                    job.addPost(new JobSteps.Post(
                            "Post " + name,
                            r -> Templates.condition(
                                    postIf, conditions.scope(job.envContext(envContext), StepLoop.status(r))),
                            () -> runner.run(p.post(), postState, null, "Post " + name)
                                    .run()));
                }
            }
        }
        life.finished(state);
        return result;
    }

    static String orAlways(String condition) {
        return condition == null || condition.isBlank() ? "always()" : condition;
    }
}
