package dev.runway.agent.steps;

import dev.runway.protocol.StepSpec;
import dev.runway.workflow.model.ActionDefinition;
import dev.runway.workflow.model.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A composite action ({@code runs.using: composite}): its steps run in the workspace, by the same {@link StepLoop},
 * with their own {@code inputs} and {@code steps} contexts, indented under the step that uses it; its outputs are
 * evaluated after them.
 */
final class CompositeAction implements ActionKind {
    private final JobSteps job;
    private final StepLoop loop;

    CompositeAction(JobSteps job, StepLoop loop) {
        this.job = job;
        this.loop = loop;
    }

    @Override
    public Result run(Call call, ActionDefinition def) {
        Map<String, String> innerEnv = new LinkedHashMap<>(call.env());
        innerEnv.putAll(call.step().env());
        innerEnv.put("GITHUB_ACTION_PATH", call.dir().toString());
        StepExpressions child = call.expressions()
                .child(new LinkedHashMap<>(call.declared()), call.dir().toString());
        StepLoop.Result r = loop.run(steps(def), child, innerEnv, call.report().nested(), call.depth() + 1);
        Map<String, String> outputs =
                child.outputs(def.outputs(), job.envContext(innerEnv), StepLoop.status(r.state()));
        return new Result(new StepRun(r.state(), null, r.reason()), outputs);
    }

    /** The action's steps as the loop runs them; a step without a name is named after its command or action. */
    static List<StepSpec> steps(ActionDefinition def) {
        List<StepSpec> out = new ArrayList<>();
        for (Step s : def.steps()) {
            String name = s.name() != null
                    ? s.name()
                    : "Run "
                            + (s.run() != null
                                    ? s.run().strip().lines().findFirst().orElse("")
                                    : s.uses());
            out.add(new StepSpec(
                    name,
                    s.run(),
                    s.env(),
                    s.workingDirectory(),
                    s.timeoutSeconds(),
                    s.shell(),
                    s.id(),
                    s.ifCondition(),
                    s.uses(),
                    s.with(),
                    s.continueOnError()));
        }
        return out;
    }
}
