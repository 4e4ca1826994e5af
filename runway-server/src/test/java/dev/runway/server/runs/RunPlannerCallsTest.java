package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.workflow.model.Workflow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A workflow that calls a reusable workflow is no longer refused whole: its other jobs run, and the calling job
 * fails with a reason that says why (the planner does not expand calls yet), so the jobs that need it are skipped.
 */
class RunPlannerCallsTest {
    @Test
    void theCallingJobFailsWithItsReasonAndTheOtherJobsStart() {
        Workflow wf = RunPlannerLimitsTest.workflow("""
                on: push
                jobs:
                  build: {runs-on: x, steps: [{run: make}]}
                  release:
                    uses: acme/templates/.github/workflows/deploy.yml@v1
                    with: {env: prod}
                    secrets: inherit
                """);
        List<RunPlanner.Action> actions =
                RunPlannerLimitsTest.PLANNER.plan(RunContextsTest.run("push", null), wf, List.of());
        assertThat(actions)
                .filteredOn(a -> a instanceof RunPlanner.Start)
                .singleElement()
                .satisfies(a -> assertThat(((RunPlanner.Start) a).jobKey()).isEqualTo("build"));
        assertThat(actions)
                .filteredOn(a -> a instanceof RunPlanner.Finish)
                .singleElement()
                .isInstanceOfSatisfying(RunPlanner.Finish.class, f -> {
                    assertThat(f.jobKey()).isEqualTo("release");
                    assertThat(f.state()).isEqualTo(JobState.FAILED);
                    assertThat(f.reason())
                            .contains("'acme/templates/.github/workflows/deploy.yml@v1'")
                            .contains("not run by Runway yet");
                });
    }
}
