package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The limits a matrix known only at run time can still break: they fail its job with the limit's message. */
class RunPlannerLimitsTest {
    static final RunPlanner PLANNER = new RunPlanner(new RunPlanner.Defaults(60_000, 1));

    static Workflow workflow(String yaml) {
        WorkflowParser.Result r = WorkflowParser.parse("w.yml", yaml);
        assertThat(r.errors()).isEmpty();
        return r.workflow();
    }

    static String values(int n) {
        return IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    @Test
    void aDynamicMatrixOverTheMatrixLimitFailsItsJobWithoutBuildingIt() {
        String axes = IntStream.range(0, 10)
                .mapToObj(k -> "\"k" + k + "\":[" + values(10) + "]")
                .collect(Collectors.joining(","));
        Workflow wf = workflow("on: push\njobs:\n  big:\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON('{"
                + axes + "}') }}\n    steps: [{run: echo}]\n");
        long t0 = System.nanoTime();
        List<RunPlanner.Action> actions = PLANNER.plan(RunContextsTest.run("push", null), wf, List.of());
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(2000);
        assertThat(actions).singleElement().isInstanceOfSatisfying(RunPlanner.Finish.class, f -> {
            assertThat(f.state()).isEqualTo(JobState.FAILED);
            assertThat(f.reason())
                    .isEqualTo("strategy.matrix: the matrix has 10000000000 combinations; at most 256"
                            + " jobs may come from one matrix");
        });
    }

    @Test
    void aDynamicMatrixThatTakesTheRunPastItsJobLimitFailsItsJob() {
        StringBuilder y = new StringBuilder("on: push\njobs:\n");
        for (int j = 0; j < 3; j++)
            y.append("  s")
                    .append(j)
                    .append(":\n    runs-on: x\n    strategy: {matrix: {a: [")
                    .append(values(250))
                    .append("]}}\n    steps: [{run: echo}]\n");
        y.append("  dyn:\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON('{\"b\":[")
                .append(values(251))
                .append("]}') }}\n    steps: [{run: echo}]\n");
        Workflow wf = workflow(y.toString());
        List<RunPlanner.Action> actions = PLANNER.plan(RunContextsTest.run("push", null), wf, List.of());
        assertThat(actions.stream().filter(a -> a instanceof RunPlanner.Start)).hasSize(750);
        assertThat(actions.stream().filter(a -> a instanceof RunPlanner.Finish))
                .singleElement()
                .isInstanceOfSatisfying(
                        RunPlanner.Finish.class,
                        f -> assertThat(f.reason())
                                .isEqualTo(
                                        "strategy.matrix: 251 more jobs would make the run 1001 jobs; at most 1000 jobs"
                                                + " may run in one workflow run"));
    }
}
