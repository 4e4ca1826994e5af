package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.TestJobRecords;
import dev.runway.workflow.calls.CallSecrets;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Calls of reusable workflows as the planner runs them, written as {@link RunPlannerTest} writes runs: a calling
 * job becomes the callee's jobs, keyed {@code caller/job} ({@code caller[i]/job} per leg of the caller's matrix),
 * their {@code needs} inside the callee, the jobs that need the caller after all of them; the caller's {@code if},
 * {@code needs} and matrix apply; calls nest. Then what a callee job is given: its name, inputs, the secrets its
 * calls pass on, and the call's outputs for the jobs that need it.
 */
class RunPlannerCallsTest {
    static final String LIB = """
            on:
              workflow_call:
                inputs:
                  target: {type: string, required: true}
                  count: {type: number, default: 2}
                  debug: {type: boolean}
                secrets:
                  token: {required: false}
                outputs:
                  artifact: {value: "${{ jobs.package.outputs.file }}-${{ inputs.count }}"}
            jobs:
              build: {runs-on: x, steps: [{run: "echo ${{ inputs.target }}"}]}
              package:
                runs-on: x
                needs: build
                outputs: {file: "${{ steps.p.outputs.file }}"}
                steps: [{id: p, run: echo}]
            """;

    static final String OUTER = """
            on:
              workflow_call:
                inputs: {v: {type: string, required: true}}
                secrets: {mid: {required: true}}
                outputs: {o: {value: "${{ jobs.deeper.outputs.x }}"}}
            jobs:
              deeper:
                uses: ./.github/workflows/inner.yml
                with: {w: "${{ inputs.v }}-1"}
                secrets: {deep: "${{ secrets.mid }}"}
            """;

    static final String INNER = """
            on:
              workflow_call:
                inputs: {w: {type: string}}
                secrets: {deep: {}}
                outputs: {x: {value: "${{ jobs.leaf.outputs.y }}"}}
            jobs:
              leaf:
                name: Leaf ${{ inputs.w }}
                runs-on: x
                outputs: {y: "${{ steps.s.outputs.y }}"}
                steps: [{id: s, run: "echo ${{ secrets.deep }}"}]
            """;

    static final Map<String, String> FILES = Map.of(
            "./.github/workflows/lib.yml", LIB,
            "./.github/workflows/outer.yml", OUTER,
            "./.github/workflows/inner.yml", INNER);

    static final String CALL = """
            on: push
            jobs:
              prep: {runs-on: x, outputs: {t: "${{ steps.s.outputs.t }}"}, steps: [{id: s, run: echo}]}
              lib:
                needs: prep
                if: github.ref == 'refs/heads/main'
                uses: ./.github/workflows/lib.yml
                with: {target: "${{ needs.prep.outputs.t }}", count: "${{ needs.prep.outputs.t || 2 }}"}
                secrets: {token: "${{ secrets.DEPLOY }}"}
              deploy: {runs-on: x, needs: lib, steps: [{run: "echo ${{ needs.lib.outputs.artifact }}"}]}
            """;

    static final String MATRIX = """
            on: push
            jobs:
              lib:
                strategy: {matrix: {os: [a, b], v: [1]}, max-parallel: 1}
                uses: ./.github/workflows/lib.yml
                with: {target: "${{ matrix.os }}"}
                secrets: inherit
              after: {runs-on: x, needs: lib, if: always(), steps: [{run: echo}]}
            """;

    static final String PARALLEL = """
            on: push
            jobs:
              lib:
                strategy: {matrix: {os: [a, b]}}
                uses: ./.github/workflows/lib.yml
                with: {target: "${{ matrix.os }}"}
            """;

    static final String NESTED = """
            on: push
            jobs:
              call:
                uses: ./.github/workflows/outer.yml
                with: {v: hello}
                secrets: {mid: "${{ secrets.TOP }}"}
              after: {runs-on: x, needs: call, steps: [{run: "echo ${{ needs.call.outputs.o }}"}]}
            """;

    static Workflow workflow(String yaml) {
        WorkflowParser.Result r =
                WorkflowParser.parse("ci.yml", yaml, WorkflowParser.Options.DEFAULT.withCallees(FILES::get));
        assertThat(r.errors()).isEmpty();
        return r.workflow();
    }

    /** A job the run has: as {@link RunPlannerTest.Has}, keys of callee jobs included; {@code key[i/n]} a leg. */
    static JobRecord has(String spec, String outputsJson) {
        String[] kv = spec.split("=");
        String key = kv[0];
        int leg = 0;
        int total = 1;
        if (key.endsWith("]") && key.substring(key.lastIndexOf('[')).contains("/")) {
            String[] lt =
                    key.substring(key.lastIndexOf('[') + 1, key.length() - 1).split("/");
            leg = Integer.parseInt(lt[0]);
            total = Integer.parseInt(lt[1]);
            key = key.substring(0, key.lastIndexOf('['));
        }
        return TestJobRecords.of(key + "-" + leg, key, JobState.fromWire(kv[1]), leg, total, outputsJson);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                // workflow, ref, the run's jobs so far, what the planner does next
                Arguments.of("call: its needs first", CALL, "refs/heads/main", "", "start prep"),
                Arguments.of(
                        "call: the callee's first job", CALL, "refs/heads/main", "prep=succeeded", "start lib/build"),
                Arguments.of(
                        "call: a callee job running", CALL, "refs/heads/main", "prep=succeeded lib/build=running", ""),
                Arguments.of(
                        "call: needs inside the callee",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=succeeded",
                        "start lib/package"),
                Arguments.of(
                        "call: the caller's dependents wait for every callee job",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=succeeded lib/package=running",
                        ""),
                Arguments.of(
                        "call: done, its dependents start",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=succeeded lib/package=succeeded",
                        "start deploy"),
                Arguments.of(
                        "call: a failed callee job skips its dependents in the callee",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=failed",
                        "finish lib/package skipped"),
                Arguments.of(
                        "call: a failed callee job fails the call for its dependents",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=failed lib/package=skipped",
                        "finish deploy skipped"),
                Arguments.of(
                        "call: if false skips the whole call",
                        CALL,
                        "refs/heads/dev",
                        "prep=succeeded",
                        "finish lib skipped"),
                Arguments.of(
                        "call: a skipped call skips its dependents",
                        CALL,
                        "refs/heads/dev",
                        "prep=succeeded lib=skipped",
                        "finish deploy skipped"),
                Arguments.of(
                        "call: a failed need skips the call",
                        CALL,
                        "refs/heads/main",
                        "prep=failed",
                        "finish lib skipped"),
                Arguments.of(
                        "call: all done",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=succeeded lib/package=succeeded deploy=succeeded",
                        "complete succeeded"),
                Arguments.of(
                        "call: a failed callee job fails the run",
                        CALL,
                        "refs/heads/main",
                        "prep=succeeded lib/build=failed lib/package=skipped deploy=skipped",
                        "complete failed"),
                Arguments.of("matrix caller: max-parallel 1", MATRIX, "refs/heads/main", "", "start lib[0]/build"),
                Arguments.of(
                        "matrix caller: a leg's jobs in order",
                        MATRIX,
                        "refs/heads/main",
                        "lib[0]/build=succeeded",
                        "start lib[0]/package"),
                Arguments.of(
                        "matrix caller: the next leg when one is done",
                        MATRIX,
                        "refs/heads/main",
                        "lib[0]/build=succeeded lib[0]/package=succeeded",
                        "start lib[1]/build"),
                Arguments.of(
                        "matrix caller: dependents wait for every leg",
                        MATRIX,
                        "refs/heads/main",
                        "lib[0]/build=succeeded lib[0]/package=succeeded lib[1]/build=running",
                        ""),
                Arguments.of(
                        "matrix caller: fail-fast, no more legs",
                        MATRIX,
                        "refs/heads/main",
                        "lib[0]/build=failed lib[0]/package=skipped",
                        "start after"),
                Arguments.of(
                        "matrix caller: all legs at once",
                        PARALLEL,
                        "refs/heads/main",
                        "",
                        "start lib[0]/build start lib[1]/build"),
                Arguments.of(
                        "matrix caller: fail-fast cancels the other legs",
                        PARALLEL,
                        "refs/heads/main",
                        "lib[0]/build=failed lib[1]/build=running",
                        "finish lib[0]/package skipped cancel-legs lib[1]/build"),
                Arguments.of(
                        "matrix caller: after fail-fast the other leg's jobs are cancelled",
                        PARALLEL,
                        "refs/heads/main",
                        "lib[0]/build=failed lib[0]/package=skipped lib[1]/build=cancelled",
                        "finish lib[1]/package cancelled"),
                Arguments.of(
                        "nested: the innermost job first", NESTED, "refs/heads/main", "", "start call/deeper/leaf"),
                Arguments.of(
                        "nested: done through every level",
                        NESTED,
                        "refs/heads/main",
                        "call/deeper/leaf=succeeded",
                        "start after"));
    }

    @ParameterizedTest(name = "{0}: [{3}] -> [{4}]")
    @MethodSource("table")
    void decides(String name, String yaml, String ref, String has, String expected) {
        List<JobRecord> jobs = new ArrayList<>();
        for (String h : has.isBlank() ? new String[0] : has.split(" ")) jobs.add(has(h, null));
        List<String> got =
                RunPlannerLimitsTest.PLANNER.plan(RunContextsTest.run("push", ref), workflow(yaml), jobs).stream()
                        .map(RunPlannerTest::line)
                        .toList();
        assertThat(String.join(" ", got)).as(name).isEqualTo(expected);
    }

    static RunPlanner.Start start(String yaml, String ref, List<JobRecord> jobs, String key) {
        return RunPlannerLimitsTest.PLANNER.plan(RunContextsTest.run("push", ref), workflow(yaml), jobs).stream()
                .filter(a -> a instanceof RunPlanner.Start s && s.jobKey().equals(key))
                .map(a -> (RunPlanner.Start) a)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no start of " + key));
    }

    @Test
    void aCalleeJobHasTheCallersNameTypedInputsAndOnlyTheMappedSecrets() {
        RunPlanner.Start s =
                start(CALL, "refs/heads/main", List.of(has("prep=succeeded", "{\"t\":\"7\"}")), "lib/build");
        assertThat(s.name()).isEqualTo("lib / build");
        assertThat(s.spec().name()).isEqualTo("lib / build");
        assertThat(s.spec().contexts().get("inputs")).isEqualTo(Map.of("target", "7", "count", 7L, "debug", false));
        assertThat(((Map<?, ?>) s.spec().contexts().get("github")).get("job")).isEqualTo("build");
        assertThat(CallSecrets.of(s.spec().contexts()))
                .containsExactly(new CallSecrets.Level(false, Map.of("TOKEN", "${{ secrets.DEPLOY }}")));
        // the callee's needs, not the caller's
        assertThat(s.spec().contexts().get("needs")).isEqualTo(Map.of());
    }

    @Test
    void anInputOfTheWrongTypeAtRunTimeFailsTheCallNamingIt() {
        List<RunPlanner.Action> actions = RunPlannerLimitsTest.PLANNER.plan(
                RunContextsTest.run("push", "refs/heads/main"),
                workflow(CALL),
                List.of(has("prep=succeeded", "{\"t\":\"seven\"}")));
        assertThat(actions).singleElement().isInstanceOfSatisfying(RunPlanner.Finish.class, f -> {
            assertThat(f.jobKey()).isEqualTo("lib");
            assertThat(f.state()).isEqualTo(JobState.FAILED);
            assertThat(f.reason())
                    .isEqualTo("calling './.github/workflows/lib.yml': input 'count' is a number; got 'seven'");
        });
    }

    @Test
    void theCallsOutputsAreTheCalleesForTheJobsThatNeedIt() {
        RunPlanner.Start s = start(
                CALL,
                "refs/heads/main",
                List.of(
                        has("prep=succeeded", "{\"t\":\"3\"}"),
                        has("lib/build=succeeded", null),
                        has("lib/package=succeeded", "{\"file\":\"app.tar\"}")),
                "deploy");
        assertThat(s.spec().contexts().get("needs"))
                .isEqualTo(Map.of("lib", Map.of("result", "success", "outputs", Map.of("artifact", "app.tar-3"))));
    }

    @Test
    void aMatrixCallersLegIsNamedByItsValuesAndGetsItsOwnInputs() {
        RunPlanner.Start s = start(
                MATRIX,
                "refs/heads/main",
                List.of(has("lib[0]/build=succeeded", null), has("lib[0]/package=succeeded", null)),
                "lib[1]/build");
        assertThat(s.name()).isEqualTo("lib (b, 1) / build");
        assertThat(((Map<?, ?>) s.spec().contexts().get("inputs")).get("target"))
                .isEqualTo("b");
        assertThat(CallSecrets.of(s.spec().contexts())).containsExactly(new CallSecrets.Level(true, Map.of()));
    }

    @Test
    void nestedCallsPassInputsSecretsAndOutputsThroughEveryLevel() {
        RunPlanner.Start leaf = start(NESTED, "refs/heads/main", List.of(), "call/deeper/leaf");
        assertThat(leaf.name()).isEqualTo("call / deeper / Leaf hello-1");
        assertThat(leaf.spec().contexts().get("inputs")).isEqualTo(Map.of("w", "hello-1"));
        assertThat(CallSecrets.of(leaf.spec().contexts()))
                .containsExactly(
                        new CallSecrets.Level(false, Map.of("MID", "${{ secrets.TOP }}")),
                        new CallSecrets.Level(false, Map.of("DEEP", "${{ secrets.mid }}")));
        RunPlanner.Start after =
                start(NESTED, "refs/heads/main", List.of(has("call/deeper/leaf=succeeded", "{\"y\":\"Y!\"}")), "after");
        assertThat(after.spec().contexts().get("needs"))
                .isEqualTo(Map.of("call", Map.of("result", "success", "outputs", Map.of("o", "Y!"))));
    }

    @Test
    void aCallWithoutItsCalleeFailsWithAReason() {
        Workflow wf = RunPlannerLimitsTest.workflow("""
                on: push
                jobs:
                  build: {runs-on: x, steps: [{run: make}]}
                  release:
                    uses: acme/templates/.github/workflows/deploy.yml@v1
                    secrets: inherit
                """);
        List<RunPlanner.Action> actions =
                RunPlannerLimitsTest.PLANNER.plan(RunContextsTest.run("push", null), wf, List.of());
        assertThat(actions.stream().map(RunPlannerTest::line)).containsExactly("start build", "finish release failed");
        assertThat(((RunPlanner.Finish) actions.get(1)).reason())
                .isEqualTo("the called workflow 'acme/templates/.github/workflows/deploy.yml@v1' was not read when"
                        + " the run was created");
    }
}
