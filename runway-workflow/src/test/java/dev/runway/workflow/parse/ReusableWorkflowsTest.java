package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.model.Call;
import dev.runway.workflow.model.Job;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Calls of reusable workflows as the parser checks them against the callee it is given: inputs, secrets, the keys
 * a caller may have, nesting, recursion and the number of distinct callees. Each case is one a user meets: an
 * input forgotten, a typo, a workflow that calls itself.
 */
class ReusableWorkflowsTest {
    static final String CALLEE = """
            on:
              workflow_call:
                inputs:
                  env: {type: string, required: true}
                  dry: {type: boolean, default: false}
                secrets:
                  token: {required: true}
                outputs:
                  url: {value: "${{ jobs.deploy.outputs.url }}"}
            jobs:
              deploy:
                runs-on: linux
                outputs: {url: "${{ steps.d.outputs.url }}"}
                steps: [{id: d, run: echo url=x >> $GITHUB_OUTPUT}]
            """;

    final Map<String, String> files = new HashMap<>(Map.of("./.github/workflows/deploy.yml", CALLEE));

    WorkflowParser.Result parse(String yaml) {
        return WorkflowParser.parse("ci.yml", yaml, WorkflowParser.Options.DEFAULT.withCallees(files::get));
    }

    List<String> errors(String yaml) {
        return parse(yaml).errors().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void aCallIsParsedWithItsCalleeAndCountsItsJobs() {
        WorkflowParser.Result r = parse("""
                on: push
                jobs:
                  build: {runs-on: linux, steps: [{run: make}]}
                  release:
                    needs: build
                    if: github.ref == 'refs/heads/main'
                    uses: ./.github/workflows/deploy.yml
                    with: {env: prod, dry: "${{ github.event_name != 'push' }}"}
                    secrets: inherit
                """);
        assertThat(r.errors()).isEmpty();
        Job release = r.workflow().jobs().get("release");
        assertThat(release.calls()).isTrue();
        Call call = release.call();
        assertThat(call.local()).isTrue();
        assertThat(call.inheritSecrets()).isTrue();
        assertThat(call.with()).containsEntry("env", "prod");
        assertThat(call.callee().jobs()).containsKey("deploy");
        assertThat(call.callee().workflowCall().outputs()).containsKey("url");
        assertThat(release.needs()).containsExactly("build");
        assertThat(r.workflow().jobOrder()).containsExactly("build", "release");
    }

    @Test
    void aForgottenRequiredInputOrSecretIsAnErrorAtTheCall() {
        assertThat(errors("""
                on: push
                jobs:
                  release:
                    uses: ./.github/workflows/deploy.yml
                """))
                .containsExactlyInAnyOrder(
                        "ci.yml:4:11: error: Input env is required, but not provided while calling.",
                        "ci.yml:4:11: error: Secret token is required, but not provided while calling.");
    }

    @Test
    void anInputOrSecretTheCalleeDoesNotDeclareIsNamedWhereItIsGiven() {
        assertThat(errors("""
                on: push
                jobs:
                  release:
                    uses: ./.github/workflows/deploy.yml
                    with: {env: prod, enviroment: prod, dry: maybe}
                    secrets: {token: "${{ secrets.T }}", tokn: x}
                """))
                .containsExactlyInAnyOrder(
                        "ci.yml:5:35: error: Invalid input, enviroment is not defined in the referenced workflow.",
                        "ci.yml:5:46: error: Unexpected value 'maybe'",
                        "ci.yml:6:48: error: Invalid secret, tokn is not defined in the referenced workflow.");
    }

    @Test
    void aBooleanInputWrittenTrueIsTheBooleanTrueAsOnGitHub() {
        WorkflowParser.Result r = parse("""
                on: push
                jobs:
                  release:
                    uses: ./.github/workflows/deploy.yml
                    with: {env: 3.10, dry: True}
                    secrets: inherit
                """);
        assertThat(r.errors()).isEmpty();
        assertThat(r.workflow().jobs().get("release").call().with())
                .containsExactly(Map.entry("env", "3.1"), Map.entry("dry", "true"));
    }

    @Test
    void aCallingJobTakesOnlyTheKeysOfACall() {
        assertThat(errors("""
                on: push
                jobs:
                  release:
                    runs-on: linux
                    uses: ./.github/workflows/deploy.yml
                    with: {env: prod}
                    secrets: inherit
                    steps: [{run: echo}]
                """))
                .anyMatch(e -> e.startsWith("ci.yml:4:5: error: Unexpected value 'runs-on'"))
                .anyMatch(e -> e.startsWith("ci.yml:8:5: error: Unexpected value 'steps'"));
        assertThat(errors("on: push\njobs:\n  r:\n    uses: deploy.yml\n"))
                .singleElement()
                .asString()
                .startsWith("ci.yml:4:11: error: Invalid workflow reference 'deploy.yml'");
    }

    @Test
    void tenLevelsOfCallsAreAllowedAndTheEleventhIsRefusedNamingTheChain() {
        for (int i = 1; i <= 11; i++)
            files.put(
                    "./.github/workflows/l" + i + ".yml",
                    i == 11
                            ? "on: workflow_call\njobs:\n  leaf: {runs-on: x, steps: [{run: echo}]}\n"
                            : "on: workflow_call\njobs:\n  next:\n    uses: ./.github/workflows/l" + (i + 1)
                                    + ".yml\n");
        files.put(
                "./.github/workflows/l10.yml",
                "on: workflow_call\njobs:\n  leaf: {runs-on: x, steps: [{run: echo}]}\n");
        assertThat(errors("on: push\njobs:\n  top:\n    uses: ./.github/workflows/l1.yml\n"))
                .isEmpty();
        files.put(
                "./.github/workflows/l10.yml",
                "on: workflow_call\njobs:\n  next:\n    uses: ./.github/workflows/l11.yml\n");
        assertThat(errors("on: push\njobs:\n  top:\n    uses: ./.github/workflows/l1.yml\n"))
                .singleElement()
                .asString()
                .contains("Nested reusable workflow depth exceeded 10.")
                .contains("./.github/workflows/l1.yml → ./.github/workflows/l2.yml")
                .contains("→ ./.github/workflows/l11.yml");
    }

    @Test
    void aWorkflowThatCallsItselfIsRefusedNotFollowedForEver() {
        files.put(
                "./.github/workflows/loop.yml",
                "on: workflow_call\njobs:\n  again:\n    uses: ./.github/workflows/loop.yml\n");
        assertThat(errors("on: push\njobs:\n  go:\n    uses: ./.github/workflows/loop.yml\n"))
                .singleElement()
                .asString()
                .contains("calls itself");
    }

    @Test
    void aCalleeThatIsNoReusableWorkflowOrCannotBeReadIsSaidSo() {
        files.put("./.github/workflows/ci.yml", "on: push\njobs:\n  a: {runs-on: x, steps: [{run: echo}]}\n");
        assertThat(errors("on: push\njobs:\n  go:\n    uses: ./.github/workflows/ci.yml\n"))
                .singleElement()
                .asString()
                .contains("is not a reusable workflow: it has no 'on: workflow_call' trigger");
        WorkflowParser.Result missing = parse("on: push\njobs:\n  go:\n    uses: ./.github/workflows/none.yml\n");
        assertThat(missing.errors()).isEmpty();
        assertThat(missing.diagnostics()).anyMatch(d -> d.message().contains("cannot read the called workflow"));
        assertThat(missing.workflow().jobs().get("go").call().callee()).isNull();
    }

    @Test
    void errorsInsideTheCalleeAreReportedAtTheCalleesOwnLines() {
        files.put(
                "./.github/workflows/bad.yml",
                "on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps: [{rn: echo}]\n");
        assertThat(errors("on: push\njobs:\n  go:\n    uses: ./.github/workflows/bad.yml\n"))
                .anyMatch(e -> e.startsWith("./.github/workflows/bad.yml:5:"));
    }

    @Test
    void atMostFiftyDistinctWorkflowsAreCalled() {
        StringBuilder y = new StringBuilder("on: push\njobs:\n");
        for (int i = 0; i < 51; i++) {
            files.put(
                    "./.github/workflows/w" + i + ".yml",
                    "on: workflow_call\njobs:\n  a: {runs-on: x, steps: [{run: echo}]}\n");
            y.append("  c")
                    .append(i)
                    .append(":\n    uses: ./.github/workflows/w")
                    .append(i)
                    .append(".yml\n");
        }
        assertThat(errors(y.toString())).singleElement().asString().contains("at most 50 distinct reusable workflows");
    }
}
