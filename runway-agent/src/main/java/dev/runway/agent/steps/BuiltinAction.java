package dev.runway.agent.steps;

import dev.runway.agent.actions.BuiltinActions;
import dev.runway.protocol.JobState;
import dev.runway.workflow.model.ActionDefinition;
import java.io.IOException;
import java.util.Map;

/**
 * An action the runner implements itself ({@code actions/cache}, {@code actions/upload-artifact}..., see {@link
 * BuiltinActions}): it runs inside the agent, not as a process of the job; its post step (saving a cache) is
 * registered when the step starts and runs at the job's end.
 */
final class BuiltinAction implements ActionKind {
    private final JobSteps job;
    private final BuiltinActions.Native step;

    BuiltinAction(JobSteps job, BuiltinActions.Native step) {
        this.job = job;
        this.step = step;
    }

    /** Registers the post step, if the action has one: it runs if the job succeeded, or always. */
    void registerPost(String name) {
        if (step.post() == null) return;
        BuiltinActions.NativeStep post = step.post();
        boolean always = step.postAlways();
        job.addPost(new JobSteps.Post("Post " + name, r -> always || r == JobState.SUCCEEDED, () -> {
            post.run(job.workspace, job.api, job.out);
            return StepRun.SUCCEEDED;
        }));
    }

    @Override
    public Result run(Call call, ActionDefinition def) {
        try {
            Map<String, String> outputs = step.step().run(job.workspace, job.api, job.out, job.files);
            return new Result(StepRun.SUCCEEDED, outputs);
        } catch (IOException | RuntimeException e) {
            return Result.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(StepRun.interrupted(), Map.of());
        }
    }
}
