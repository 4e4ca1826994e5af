package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.TestJobRecords;
import dev.runway.workflow.model.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner as a specification: a workflow, the jobs the run has so far (workflow job, matrix leg, state), and
 * what the planner decides next, written as one line per action ({@code start build}, {@code start test[1/3]},
 * {@code finish deploy skipped}, {@code cancel-legs test}, {@code complete failed}). Pure: no store, no clock.
 */
class RunPlannerTest {
    static final String CHAIN = """
            on: push
            jobs:
              build: {runs-on: x, steps: [{run: make}]}
              test: {runs-on: x, needs: build, steps: [{run: make test}]}
              deploy: {runs-on: x, needs: test, if: "github.ref == 'refs/heads/main'", steps: [{run: ship}]}
            """;

    static final String MATRIX = """
            on: push
            jobs:
              test:
                runs-on: x
                strategy: {matrix: {v: [1, 2, 3]}, max-parallel: 2}
                steps: [{run: make test}]
              after: {runs-on: x, needs: test, steps: [{run: echo}]}
            """;

    static final String NO_FAIL_FAST = """
            on: push
            jobs:
              test:
                runs-on: x
                strategy: {matrix: {v: [1, 2]}, fail-fast: false}
                steps: [{run: make test}]
              always: {runs-on: x, needs: test, if: always(), steps: [{run: echo}]}
            """;

    /** A job the run has: {@code key}, its leg of {@code total} (0 of 1 for a job without matrix), its state. */
    record Has(String key, int leg, int total, JobState state) {
        static Has of(String spec) {
            // "test[1/3]=running", "build=succeeded"
            String[] kv = spec.split("=");
            String key = kv[0];
            int leg = 0;
            int total = 1;
            if (key.contains("[")) {
                String[] lt =
                        key.substring(key.indexOf('[') + 1, key.length() - 1).split("/");
                leg = Integer.parseInt(lt[0]);
                total = Integer.parseInt(lt[1]);
                key = key.substring(0, key.indexOf('['));
            }
            return new Has(key, leg, total, JobState.fromWire(kv[1]));
        }

        JobRecord record() {
            return TestJobRecords.of(key + "-" + leg, key, state, leg, total, null);
        }
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // workflow, ref, the run's jobs so far, what the planner does next
                Arguments.of("chain", CHAIN, "refs/heads/main", "", "start build"),
                Arguments.of("chain", CHAIN, "refs/heads/main", "build=running", ""),
                Arguments.of("chain", CHAIN, "refs/heads/main", "build=succeeded", "start test"),
                Arguments.of("chain", CHAIN, "refs/heads/main", "build=succeeded test=succeeded", "start deploy"),
                Arguments.of(
                        "chain: if false",
                        CHAIN,
                        "refs/heads/dev",
                        "build=succeeded test=succeeded",
                        "finish deploy skipped"),
                Arguments.of(
                        "chain: a failed need skips", CHAIN, "refs/heads/main", "build=failed", "finish test skipped"),
                Arguments.of(
                        "chain: all done",
                        CHAIN,
                        "refs/heads/main",
                        "build=succeeded test=succeeded deploy=succeeded",
                        "complete succeeded"),
                Arguments.of(
                        "chain: skipped counts as done",
                        CHAIN,
                        "refs/heads/main",
                        "build=failed test=skipped deploy=skipped",
                        "complete failed"),
                Arguments.of(
                        "matrix: max-parallel 2", MATRIX, "refs/heads/main", "", "start test[0/3] start test[1/3]"),
                Arguments.of(
                        "matrix: a free slot starts the next leg",
                        MATRIX,
                        "refs/heads/main",
                        "test[0/3]=succeeded test[1/3]=running",
                        "start test[2/3]"),
                Arguments.of(
                        "matrix: fail-fast cancels the other legs",
                        MATRIX,
                        "refs/heads/main",
                        "test[0/3]=failed test[1/3]=running",
                        "cancel-legs test"),
                Arguments.of(
                        "matrix: after fail-fast the dependent is skipped",
                        MATRIX,
                        "refs/heads/main",
                        "test[0/3]=failed test[1/3]=cancelled",
                        "finish after skipped"),
                Arguments.of(
                        "no fail-fast: the other leg goes on",
                        NO_FAIL_FAST,
                        "refs/heads/main",
                        "test[0/2]=failed test[1/2]=running",
                        ""),
                Arguments.of(
                        "no fail-fast: always() runs after a failure",
                        NO_FAIL_FAST,
                        "refs/heads/main",
                        "test[0/2]=failed test[1/2]=succeeded",
                        "start always"));
    }

    @ParameterizedTest(name = "{0}: [{3}] -> [{4}]")
    @MethodSource("table")
    void decides(String name, String yaml, String ref, String has, String expected) {
        Workflow wf = RunPlannerLimitsTest.workflow(yaml);
        List<JobRecord> jobs = new ArrayList<>();
        for (String h : has.isBlank() ? new String[0] : has.split(" "))
            jobs.add(Has.of(h).record());
        List<String> got = RunPlannerLimitsTest.PLANNER.plan(RunContextsTest.run("push", ref), wf, jobs).stream()
                .map(RunPlannerTest::line)
                .toList();
        assertThat(String.join(" ", got)).as(name).isEqualTo(expected);
    }

    static String line(RunPlanner.Action a) {
        return switch (a) {
            case RunPlanner.Start s ->
                "start " + s.jobKey()
                        + (s.matrixTotal() > 1 ? "[" + s.matrixIndex() + "/" + s.matrixTotal() + "]" : "");
            case RunPlanner.Finish f -> "finish " + f.jobKey() + " " + f.state().wireName();
            case RunPlanner.CancelLegs c -> "cancel-legs " + c.jobKey();
            case RunPlanner.Complete c -> "complete " + c.state().wireName();
        };
    }
}
