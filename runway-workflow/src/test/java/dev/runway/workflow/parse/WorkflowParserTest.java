package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Workflow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowParserTest {
    static WorkflowParser.Result parse(String yaml) {
        return WorkflowParser.parse("ci.yml", yaml);
    }

    static List<String> errors(String yaml) {
        return parse(yaml).errors().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void aValidWorkflowBecomesAModelWithJobsInNeedsOrder() {
        WorkflowParser.Result r = parse("""
        name: CI
        on:
          push:
            branches: [main]
          workflow_dispatch:
            inputs:
              level: {default: info}
        env: {GLOBAL: "1"}
        jobs:
          test:
            needs: build
            runs-on: [self-hosted, linux]
            if: github.event_name == 'push'
            steps:
              - run: make test
          build:
            runs-on: ubuntu-latest
            timeout-minutes: 10
            steps:
              - id: compile
                run: make
                shell: bash
        """);
        assertThat(r.diagnostics()).isEmpty();
        Workflow w = r.workflow();
        assertThat(w.on()).containsKeys("push", "workflow_dispatch"); // YAML 1.2: 'on' is a key, not true
        assertThat(w.jobOrder()).containsExactly("build", "test");
        Job test = w.jobs().get("test");
        assertThat(test.runsOn()).containsExactly("self-hosted", "linux");
        assertThat(test.needs()).containsExactly("build");
        assertThat(w.jobs().get("build").timeoutSeconds()).isEqualTo(600);
        assertThat(w.env()).containsEntry("GLOBAL", "1");
    }

    @Test
    void problemsAreReportedWithFileLineAndColumn() {
        List<String> e = errors("""
        on: push
        jobs:
          a:
            needs: [b]
            runs-on: x
            steps:
              - id: s1
                run: echo ${{ github.sha
              - id: s1
                run: echo
          b:
            needs: a
            runs-on: x
            steps:
              - run: echo ${{ nope.value }}
          c:
            needs: ghost
            runs-on: x
            steps:
              - uses: actions/checkout@v4
                run: echo both
        """);
        assertThat(e).anyMatch(s -> s.startsWith("ci.yml:8:14: error: The expression is not closed"));
        assertThat(e)
                .anyMatch(s -> s.startsWith("ci.yml:9:13: error: The identifier 's1' may not be used more than once"));
        assertThat(e).anyMatch(s -> s.contains("which creates a cycle"));
        assertThat(e).anyMatch(s -> s.startsWith("ci.yml:15:14: error: Unrecognized named-value: 'nope'"));
        assertThat(e).anyMatch(s -> s.startsWith("ci.yml:17:12: error: Job 'c' depends on unknown job 'ghost'."));
        assertThat(e).anyMatch(s -> s.startsWith("ci.yml:20:9: error: a step has either 'run' or 'uses', not both"));
        assertThat(parse("on: push\njobs: {a: {runs-on: x, steps: [{run: echo}]}}\n")
                        .workflow())
                .isNotNull();
    }

    @Test
    void unknownJobAndStepKeysAreErrorsAsOnGitHub() {
        WorkflowParser.Result r = parse("on: push\nfoo: bar\njobs:\n  a:\n    runs-on: x\n    timeout-minute: 5\n"
                + "    cancel-timeout-minutes: 2\n    steps: [{run: echo, colour: blue}]\n");
        assertThat(r.diagnostics())
                .extracting(Diagnostic::toString)
                .anyMatch(s -> s.startsWith("ci.yml:2:1: warning: unknown key 'foo'"))
                .contains("ci.yml:6:5: error: Unexpected value 'timeout-minute'")
                .contains("ci.yml:8:25: error: Unexpected value 'colour'")
                .anyMatch(
                        s -> s.startsWith("ci.yml:7:5: warning: 'cancel-timeout-minutes' in job 'a' is not acted on"));
    }

    @Test
    void matricesExpandWithExcludeAndInclude() {
        WorkflowParser.Result r = parse("""
        on: push
        jobs:
          t:
            runs-on: x
            strategy:
              max-parallel: 2
              matrix:
                os: [linux, mac]
                java: [17, 21]
                exclude:
                  - {os: mac, java: 17}
                include:
                  - {os: linux, experimental: true}
                  - {os: windows, java: 21}
            steps: [{run: echo}]
        """);
        assertThat(r.diagnostics()).isEmpty();
        List<Map<String, Object>> combos =
                r.workflow().jobs().get("t").strategy().combinations();
        assertThat(combos)
                .containsExactly(
                        Map.of("os", "linux", "java", 17L, "experimental", true),
                        Map.of("os", "linux", "java", 21L, "experimental", true),
                        Map.of("os", "mac", "java", 21L),
                        Map.of("os", "windows", "java", 21L));
        assertThat(r.workflow().jobs().get("t").strategy().maxParallel()).isEqualTo(2);
    }

    @Test
    void aMatrixThatExpandsToNothingIsAnError() {
        assertThat(
                        errors(
                                "on: push\njobs:\n  t:\n    runs-on: x\n    strategy:\n      matrix:\n        os: [a]\n        exclude: [{os: a}]\n    steps: [{run: echo}]\n"))
                .anyMatch(s -> s.contains("expands to no combinations"));
    }

    @Test
    void unsupportedFeaturesAreNamedPrecisely() {
        assertThat(errors("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo, shell: pwsh}]\n"))
                .anyMatch(s -> s.contains("not supported by Runway: shell 'pwsh'"));
    }

    @Test
    void shellsMayBeExpressionsOverTheContextsGitHubAllowsThere() {
        assertThat(errors("""
                on: push
                env: {MY_SHELL: bash}
                defaults:
                  run: {shell: "${{ env.MY_SHELL }}"}
                jobs:
                  a:
                    runs-on: x
                    strategy: {matrix: {shell: [bash, sh]}}
                    defaults:
                      run: {shell: "${{ matrix.shell }}", working-directory: "${{ env.DIR }}"}
                    steps:
                      - run: echo
                        shell: ${{ env.MY_SHELL }}
                """)).isEmpty();
        assertThat(errors("""
                on: push
                jobs:
                  a:
                    runs-on: x
                    defaults:
                      run: {shell: "${{ steps.x.outputs.shell }}"}
                    steps: [{run: echo}]
                """))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:6:20: error: ")
                .contains("steps");
        assertThat(errors("on: push\ndefaults:\n  run: {shell: \"${{ matrix.shell }}\"}\njobs:\n  a:\n"
                        + "    runs-on: x\n    steps: [{run: echo}]\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:3:16: error: ")
                .contains("matrix");
        assertThat(errors("on: push\ndefaults:\n  run: {shell: pwsh}\njobs:\n  a:\n"
                        + "    runs-on: x\n    steps: [{run: echo}]\n"))
                .containsExactly("ci.yml:3:16: error: not supported by Runway: shell 'pwsh' (supported: bash, sh,"
                        + " python, or a command with {0})");
        assertThat(errors("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo, shell: '${{ foo.x }}'}]\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:5:32: error: ");
    }

    /** As GitHub: every edge of a cycle is an error at its needs entry, and so is a need that can never run. */
    @Test
    void everyEdgeOfANeedsCycleIsReported() {
        assertThat(errors("""
                on: push
                jobs:
                  root: {runs-on: x, steps: [{run: echo}]}
                  b:
                    needs: [root, c]
                    runs-on: x
                    steps: [{run: echo}]
                  c:
                    needs: b
                    runs-on: x
                    steps: [{run: echo}]
                  d:
                    needs: [c, gone]
                    runs-on: x
                    steps: [{run: echo}]
                """))
                .containsExactly(
                        "ci.yml:5:19: error: Job 'b' depends on job 'c' which creates a cycle in the dependency graph.",
                        "ci.yml:9:12: error: Job 'c' depends on job 'b' which creates a cycle in the dependency graph.",
                        "ci.yml:13:13: error: Job 'd' depends on job 'c', which can never run (see its needs).",
                        "ci.yml:13:16: error: Job 'd' depends on unknown job 'gone'.");
    }

    static String job(String lines) {
        return "on: push\njobs:\n  a:\n    runs-on: x\n" + lines;
    }

    /** What GitHub's parser rejects, each at its place (issue 19 item 5). */
    @Test
    void whatGitHubRejectsIsAnError() {
        assertThat(errors(job("    permissions: {contents: wirte, pull-request: read, id-token: read}\n"
                        + "    steps: [{run: echo}]\n")))
                .containsExactly(
                        "ci.yml:5:29: error: Unexpected value 'wirte' (contents takes none, read, write)",
                        "ci.yml:5:36: error: Unexpected value 'pull-request' (permission scopes: actions, attestations,"
                                + " checks, contents, deployments, discussions, id-token, issues, models, packages, pages,"
                                + " pull-requests, repository-projects, security-events, statuses)",
                        "ci.yml:5:66: error: Unexpected value 'read' (id-token takes none, write)");
        assertThat(errors("on: push\npermissions: read-everything\njobs:\n  a: {runs-on: x, steps: [{run: echo}]}\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:2:14: error: Unexpected value 'read-everything'");
        assertThat(errors(job("    steps: [{run: 'echo ${{ }}'}]\n")))
                .containsExactly("ci.yml:5:19: error: An expression was expected (an empty ${{ }})");
        assertThat(errors(job("    if: env.X == 'y'\n    steps: [{run: echo}]\n")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:5:9: error: Unrecognized named-value: 'env'");
        assertThat(errors("on:\n  push:\n    branches: [main]\n    branches-ignore: [dev]\njobs:\n"
                        + "  a: {runs-on: x, steps: [{run: echo}]}\n"))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:4:5: error: 'branches' and 'branches-ignore' cannot both be used");
        assertThat(errors(job("    steps:\n      - run: echo\n        with: {a: b}\n"
                        + "      - uses: actions/checkout@v4\n        working-directory: sub\n")))
                .containsExactly(
                        "ci.yml:7:15: error: Unexpected value 'with': not allowed on a 'run' step (it is for 'uses' steps)",
                        "ci.yml:9:28: error: Unexpected value 'working-directory': not allowed on a 'uses' step (it is"
                                + " for 'run' steps)");
        assertThat(errors(job("    services: redis\n    steps: [{run: echo}]\n")))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("ci.yml:5:15: error: services must be a mapping");
        assertThat(
                        errors(
                                job(
                                        "    steps: [{run: echo, continue-on-error: '${{ 1 == }}'}, {run: echo, continue-on-error: maybe}]\n")))
                .hasSize(2)
                .anyMatch(e -> e.startsWith("ci.yml:5:44: error: "))
                .anyMatch(e ->
                        e.startsWith("ci.yml:5:91: error: 'continue-on-error' must be true, false or an expression"));
        assertThat(errors(job("    environment: {url: 'https://x'}\n    steps: [{run: echo}]\n")))
                .containsExactly("ci.yml:5:18: error: Required property is missing: name");
    }

    @Test
    void brokenYamlIsOneClearError() {
        assertThat(errors("on: push\njobs:\n  a: [\n"))
                .singleElement()
                .satisfies(s -> assertThat(s).startsWith("ci.yml:4:1: error: invalid YAML"));
        assertThat(errors(""))
                .containsExactly("ci.yml:1:1: error: the file is empty; expected a mapping with 'on' and 'jobs'");
        assertThat(errors("on: push\n")).containsExactly("ci.yml:1:1: error: Required property is missing: jobs");
    }

    @Test
    void anchorsAreReadUnlessTurnedOffAsInGitHubsParserOptions() {
        String yaml = """
                on: push
                jobs:
                  j:
                    runs-on: x
                    steps:
                      - run: &echo echo hi
                      - run: *echo
                """;
        assertThat(parse(yaml).errors()).isEmpty();
        assertThat(
                        WorkflowParser.parse("ci.yml", yaml, WorkflowParser.Options.DEFAULT.withAnchors(false))
                                .errors()
                                .stream()
                                .map(Diagnostic::toString))
                .containsExactly("ci.yml:6:14: error: Anchors are not currently supported. Remove the anchor 'echo'");
    }

    @Test
    void aSmallerFileLimitIsTheErrorBeforeAnythingIsRead() {
        String yaml = "on: push\njobs: {j: {runs-on: x, steps: [{run: echo}]}}\n";
        assertThat(
                        WorkflowParser.parse(
                                        "ci.yml", yaml, WorkflowParser.Options.DEFAULT.withSizes(40, 10 * 1024 * 1024))
                                .errors()
                                .stream()
                                .map(Diagnostic::toString))
                .containsExactly("ci.yml:1:1: error: the file is " + yaml.length()
                        + " bytes; a workflow file may have at most 40 bytes");
    }

    @Test
    void plainScalarsAreTypedByYamlsCoreSchemaAndReadAsGitHubWritesThem() {
        // GitHub reads YAML 1.2's core schema (True, ~, 0x1F are a boolean, a null, a number) and a number or
        // boolean where a string belongs becomes the number's text: 3.10 is "3.1", as on github.com
        WorkflowParser.Result r = parse("""
                on: push
                jobs:
                  j:
                    runs-on: x
                    continue-on-error: True
                    strategy:
                      fail-fast: False
                      max-parallel: 2.0
                      matrix: {v: [True, ~, 0x1F, 0o10, +1, 0755, 3.10, .inf, 12_345]}
                    env: {A: ~, B: 0x1F, C: 3.10, D: TRUE, E: 1e3}
                    steps: [{run: echo}]
                """);
        assertThat(r.errors()).isEmpty();
        Job j = r.workflow().jobs().get("j");
        assertThat(j.strategy().failFast()).isFalse();
        assertThat(j.strategy().maxParallel()).isEqualTo(2);
        assertThat(j.continueOnError()).isEqualTo("true");
        assertThat(j.strategy().combinations().stream().map(c -> c.get("v")))
                .containsExactly(true, null, 31L, 8L, 1L, 755L, 3.1, Double.POSITIVE_INFINITY, "12_345");
        assertThat(j.env())
                .containsExactly(
                        Map.entry("A", ""),
                        Map.entry("B", "31"),
                        Map.entry("C", "3.1"),
                        Map.entry("D", "true"),
                        Map.entry("E", "1000"));
    }
}
