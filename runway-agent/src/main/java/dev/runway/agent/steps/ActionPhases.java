package dev.runway.agent.steps;

import dev.runway.agent.output.FileCommands;
import dev.runway.protocol.JobState;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The life of a JavaScript or Docker action: {@code pre} (unless it ran at the job's start, or its {@code pre-if}
 * does not hold), {@code main}, and {@code post} registered for the job's end under its {@code post-if}; what each
 * saves in GITHUB_STATE reaches the later ones. While the job's pre steps run, only {@code pre} runs.
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

    /** Runs the phases of {@code p} that are due now; conditions are evaluated with {@code conditions}. */
    static ActionKind.Result run(
            JobSteps job,
            StepExpressions conditions,
            Map<String, String> envContext,
            Expressions.Status status,
            Phases p,
            Integer timeoutSeconds,
            String name,
            PhaseRunner runner) {
        Map<String, String> state = new LinkedHashMap<>();
        Map<String, String> saved = job.savedPreState();
        if (saved != null) {
            state.putAll(saved); // its pre ran at the job's start
        } else if (p.pre() != null && Templates.condition(orAlways(p.preIf()), conditions.scope(envContext, status))) {
            ProcessRun pre = runner.run(p.pre(), state, timeoutSeconds, name + " (pre)");
            state.putAll(pre.collected().state());
            if (job.preOnly) job.preStates.put(job.topStep, Map.copyOf(state));
            if (pre.run().state() != JobState.SUCCEEDED || job.preOnly)
                return new ActionKind.Result(pre.run(), Map.of());
        }
        if (job.preOnly) return job.preSkipped();
        ProcessRun main = runner.run(p.main(), state, timeoutSeconds, name);
        state.putAll(main.collected().state());
        if (p.post() != null) {
            Map<String, String> postState = Map.copyOf(state);
            String postIf = orAlways(p.postIf());
            job.addPost(new JobSteps.Post(
                    "Post " + name,
                    result -> Templates.condition(
                            postIf, conditions.scope(job.envContext(envContext), StepLoop.status(result))),
                    () -> runner.run(p.post(), postState, null, "Post " + name).run()));
        }
        return new ActionKind.Result(main.run(), main.collected().outputs());
    }

    static String orAlways(String condition) {
        return condition == null || condition.isBlank() ? "always()" : condition;
    }
}
