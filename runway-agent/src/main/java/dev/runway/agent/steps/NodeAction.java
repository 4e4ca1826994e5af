package dev.runway.agent.steps;

import dev.runway.agent.actions.NodeRuntime;
import dev.runway.agent.output.FileCommands;
import dev.runway.protocol.JobState;
import dev.runway.workflow.model.ActionDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JavaScript action ({@code runs.using: node*}): {@code pre} (if its {@code pre-if} holds), then {@code main}, each
 * a Node.js process in the workspace with the inputs as {@code INPUT_<NAME>} and what earlier runs saved as {@code
 * STATE_<name>}; its {@code post} is registered to run at the job's end if {@code post-if} (default {@code
 * always()}) holds then. On the host it runs with the runner's Node.js; in a container with the image's {@code node}.
 */
final class NodeAction implements ActionKind {
    private final JobSteps job;

    NodeAction(JobSteps job) {
        this.job = job;
    }

    @Override
    public Result run(Call call, ActionDefinition def) {
        ActionDefinition.Node js = (ActionDefinition.Node) def.runs();
        String node;
        if (job.host.hostPrograms()) {
            try {
                NodeRuntime.Found found = NodeRuntime.find(
                        job.sources.node(), js.major(), job.files.withPaths(job.envContext(call.env())));
                node = found.executable().toString();
                job.out.line(call.report().indent() + "[runway] " + js.using() + " action runs with Node.js "
                        + found.version() + " (" + found.executable() + ")"
                        + (found.major() < js.major() ? " (older than the action asks for)" : ""));
            } catch (IllegalArgumentException e) {
                return Result.failed("uses: '" + call.step().uses() + "': " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(StepRun.interrupted(), Map.of());
            }
        } else {
            node = "node"; // the job container's
        }
        Map<String, String> actionEnv = StepLoop.actionEnvironment(call.step(), call.dir(), call.inputs());
        actionEnv.put("GITHUB_ACTION", job.actionId(call.step()));
        Result c = ActionPhases.run(
                job,
                call.lifecycle(),
                call.expressions(),
                call.envContext(),
                call.status(),
                new ActionPhases.Phases(js.pre(), js.preIf(), js.main(), js.post(), js.postIf()),
                call.step().timeoutSeconds(),
                call.name(),
                (script, state, timeout, label) ->
                        process(node, call.dir(), script, call.env(), actionEnv, state, timeout, label));
        StepRun main = c.run();
        if (main.exitCode() != null && main.exitCode() == 127 && !job.host.hostPrograms())
            return new Result(
                    StepRun.failed("the job's container has no 'node' on its PATH: a JavaScript action in a container"
                            + " needs an image with Node.js"),
                    c.outputs());
        return c;
    }

    private ActionPhases.ProcessRun process(
            String node,
            Path dir,
            String script,
            Map<String, String> env,
            Map<String, String> actionEnv,
            Map<String, String> state,
            Integer timeoutSeconds,
            String name) {
        try {
            FileCommands.StepFiles stepFiles = job.files.prepare(job.nextScript());
            Map<String, String> penv = new LinkedHashMap<>(job.files.environment(env, stepFiles));
            Path home = job.host.home();
            if (home != null) penv.put("HOME", home.toString());
            penv.putAll(actionEnv);
            state.forEach((k, v) -> penv.put("STATE_" + k, v));
            StepRun run = job.supervisor.run(
                    job.host,
                    List.of(node, dir.resolve(script).toString()),
                    dir,
                    job.workspace,
                    penv,
                    timeoutSeconds,
                    job.out);
            job.out.flush();
            return new ActionPhases.ProcessRun(run, job.collect(stepFiles, name));
        } catch (IOException e) {
            return new ActionPhases.ProcessRun(
                    new StepRun(JobState.FAILED, null, e.getMessage()), ActionPhases.ProcessRun.NONE);
        }
    }
}
