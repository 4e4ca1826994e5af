package dev.runway.agent.steps;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.DockerActionRun;
import dev.runway.agent.output.FileCommands;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.model.ActionDefinition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Docker action ({@code runs.using: docker}) or a step that names an image ({@code uses: docker://alpine:3.20}):
 * its image (built from its Dockerfile or pulled, see {@link ActionContainers}), then {@code pre-entrypoint} (if
 * {@code pre-if} holds), the entrypoint, and {@code post-entrypoint} registered for the job's end, each a container
 * of that image with the workspace, step files, RUNNER_TEMP, HOME and the event payload mounted where GitHub's runner
 * mounts them ({@link DockerActionRun}).
 */
public final class DockerAction implements ActionKind {
    private final JobSteps job;

    DockerAction(JobSteps job) {
        this.job = job;
    }

    @Override
    public Result run(Call call, ActionDefinition def) {
        return run(call, (ActionDefinition.Docker) def.runs(), false);
    }

    /**
     * A {@code docker://} step: the image runs as a Docker action would, with {@code with.args} (split like a command
     * line) as its arguments and {@code with.entrypoint} replacing its entrypoint; the other {@code with} keys are
     * its inputs.
     */
    Result image(Call call) {
        StepSpec step = call.step();
        Map<String, String> inputs = new LinkedHashMap<>(step.with());
        String args = inputs.remove("args");
        String entrypoint = inputs.remove("entrypoint");
        List<String> argv;
        try {
            argv = args == null ? List.of() : splitArgs(args);
        } catch (IllegalArgumentException e) {
            return Result.failed("uses: '" + step.uses() + "': with.args: " + e.getMessage());
        }
        ActionDefinition.Docker d = new ActionDefinition.Docker(
                step.uses(),
                argv,
                Map.of(),
                entrypoint == null || entrypoint.isBlank() ? null : entrypoint,
                null,
                null,
                null,
                null);
        Call image = new Call(
                step,
                job.workspace,
                Map.of(),
                inputs,
                call.env(),
                call.envContext(),
                call.expressions(),
                call.status(),
                call.report(),
                call.depth(),
                call.name(),
                call.lifecycle());
        return run(image, d, true);
    }

    /** {@code literalArgs}: the arguments are already evaluated, as a step's {@code with.args} is. */
    private Result run(Call call, ActionDefinition.Docker d, boolean literalArgs) {
        StepSpec step = call.step();
        String image;
        try {
            image = job.containers.image(
                    call.dir(), d.image(), line -> job.out.line(call.report().indent() + line));
        } catch (ActionContainers.Unavailable e) {
            return Result.failed("uses: '" + step.uses() + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(StepRun.interrupted(), Map.of());
        }
        StepExpressions conditions = call.expressions()
                .child(new LinkedHashMap<>(call.inputs()), call.dir().toString());
        Templates.Scope scope = conditions.scope(call.envContext(), call.status());
        List<String> args;
        Map<String, String> actionEnv = StepLoop.actionEnvironment(step, call.dir(), call.inputs());
        actionEnv.remove("GITHUB_ACTION_PATH"); // the action's files are in its image, not mounted
        actionEnv.put("GITHUB_ACTION", job.actionId(step));
        try {
            args = d.args().isEmpty()
                    ? null
                    : d.args().stream()
                            .map(a -> literalArgs ? a : Templates.render(a, scope))
                            .filter(a -> !a.isEmpty()) // as GitHub's runner drops empty arguments
                            .toList();
            d.env().forEach((k, v) -> actionEnv.put(k, Templates.render(v, scope)));
        } catch (RuntimeException e) {
            return Result.failed("uses: '" + step.uses() + "': " + e.getMessage());
        }
        DockerActionRun run =
                new DockerActionRun(image, args, job.workspace, job.files.dir(), job.host.containerNetwork());
        return ActionPhases.run(
                job,
                call.lifecycle(),
                conditions,
                call.envContext(),
                call.status(),
                new ActionPhases.Phases(d.preEntrypoint(), d.preIf(), d.entrypoint(), d.postEntrypoint(), d.postIf()),
                step.timeoutSeconds(),
                call.name(),
                (entrypoint, state, timeout, label) ->
                        container(run, entrypoint, call.env(), actionEnv, state, timeout, label));
    }

    /** One container of a Docker action, with {@code entrypoint} (null: the image's). */
    private ActionPhases.ProcessRun container(
            DockerActionRun run,
            String entrypoint,
            Map<String, String> env,
            Map<String, String> actionEnv,
            Map<String, String> state,
            Integer timeoutSeconds,
            String name) {
        try {
            int index = job.nextScript();
            FileCommands.StepFiles stepFiles = job.files.prepare(index);
            Set<String> workflowKeys = new HashSet<>(job.spec.env().keySet());
            workflowKeys.addAll(job.files.addedEnv().keySet());
            Map<String, String> cenv =
                    DockerActionRun.environment(job.files.environment(env, stepFiles), workflowKeys, job.topEnv());
            cenv.putAll(actionEnv);
            state.forEach((k, v) -> cenv.put("STATE_" + k, v));
            ActionContainers.Request request = run.request(
                    entrypoint, cenv, stepFiles, job.workspace.getFileName() + "-step-" + index, job.jobKey());
            StepRun r =
                    job.supervisor.supervise(() -> job.containers.start(request, job.out), () -> null, timeoutSeconds);
            job.out.flush();
            return new ActionPhases.ProcessRun(r, job.collect(stepFiles, name));
        } catch (IOException e) {
            return new ActionPhases.ProcessRun(
                    new StepRun(JobState.FAILED, null, e.getMessage()), ActionPhases.ProcessRun.NONE);
        }
    }

    /** A command line split into words: whitespace separates them, single or double quotes group them. */
    public static List<String> splitArgs(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unclosed " + quote + " quote in '" + line + "'");
        if (inWord) words.add(w.toString());
        return words;
    }
}
