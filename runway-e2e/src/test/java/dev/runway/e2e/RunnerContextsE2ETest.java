package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runway run} of real steps that print the contexts docs/workflows.md lists through expressions, at workflow-,
 * job- and step-level {@code env:}, in scripts and in {@code working-directory:}, each compared in the step with the
 * variable GitHub's runner sets for it; absolute working directories; expressions in {@code shell:}.
 */
class RunnerContextsE2ETest {
    static final String WORKFLOW = """
            name: Contexts
            on: push
            env:
              WF_WS: ${{ github.workspace }}/build
              WF_TEMP: ${{ runner.temp }}
              WF_RUNNER: ${{ runner.os }}-${{ runner.arch }}
              WF_REPO: ${{ github.repository }}
            jobs:
              ctx:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    shell: [bash, sh]
                defaults:
                  run:
                    shell: ${{ matrix.shell }}
                env:
                  JOB_WS: ${{ github.workspace }}
                  JOB_TEMP: ${{ runner.temp }}/job
                  JOB_FROM_WF: ${{ env.WF_WS }}
                  JOB_TOOLS: ${{ runner.tool_cache }}
                  MY_SHELL: bash
                outputs:
                  ws: ${{ github.workspace }}
                  temp: ${{ steps.t.outputs.temp }}
                steps:
                  - uses: actions/checkout@v4
                  - run: mkdir -p sub build after
                  - name: workflow and job env
                    run: |
                      test "$WF_WS" = "$GITHUB_WORKSPACE/build"
                      test "$WF_TEMP" = "$RUNNER_TEMP"
                      test "$WF_RUNNER" = "$RUNNER_OS-$RUNNER_ARCH"
                      test "$WF_REPO" = "$GITHUB_REPOSITORY"
                      test "$JOB_WS" = "$GITHUB_WORKSPACE"
                      test "$JOB_TEMP" = "$RUNNER_TEMP/job"
                      test "$JOB_FROM_WF" = "$GITHUB_WORKSPACE/build"
                      test "$JOB_TOOLS" = "$RUNNER_TOOL_CACHE"
                      test -n "$GITHUB_WORKSPACE" && test -n "$RUNNER_TEMP"
                      echo "levels ok ws=$JOB_WS temp=$WF_TEMP"
                  - name: step env and script
                    env:
                      STEP_WS: ${{ github.workspace }}
                      STEP_TEMP: ${{ runner.temp }}/step
                      STEP_JOB: ${{ env.JOB_TEMP }}
                    run: |
                      test "$STEP_WS" = "$GITHUB_WORKSPACE"
                      test "$STEP_TEMP" = "$RUNNER_TEMP/step"
                      test "$STEP_JOB" = "$RUNNER_TEMP/job"
                      test "${{ github.workspace }}" = "$GITHUB_WORKSPACE"
                      test "${{ runner.temp }}" = "$RUNNER_TEMP"
                      test "${{ runner.os }}" = "$RUNNER_OS" && test "${{ runner.os }}" = Linux
                      test "${{ runner.arch }}" = "$RUNNER_ARCH"
                      test "${{ runner.tool_cache }}" = "$RUNNER_TOOL_CACHE"
                      test "${{ runner.environment }}" = "$RUNNER_ENVIRONMENT"
                      test "${{ runner.name }}" = "$RUNNER_NAME" && test -n "$RUNNER_NAME"
                      test -n "${{ runner.workspace }}"
                      test "${{ env.WF_WS }}" = "$GITHUB_WORKSPACE/build"
                      test "${{ github.repository }}" = "$GITHUB_REPOSITORY"
                      test "${{ github.repository_owner }}" = "$GITHUB_REPOSITORY_OWNER"
                      test "${{ github.sha }}" = "$GITHUB_SHA"
                      test "${{ github.ref }}" = "$GITHUB_REF"
                      test "${{ github.ref_name }}" = "$GITHUB_REF_NAME"
                      test "${{ github.event_name }}" = "$GITHUB_EVENT_NAME"
                      test "${{ github.run_id }}" = "$GITHUB_RUN_ID"
                      test "${{ github.run_number }}" = "$GITHUB_RUN_NUMBER"
                      test "${{ github.job }}" = "$GITHUB_JOB"
                      test "${{ github.workflow }}" = "$GITHUB_WORKFLOW"
                      test "${{ job.status }}" = success
                      test "${{ strategy.job-total }}" = 2
                      test "${{ matrix.shell }}" = "${{ matrix.shell }}"
                      echo "step ok ${{ matrix.shell }} ${{ runner.os }}"
                  - name: temp as working directory
                    working-directory: ${{ runner.temp }}
                    run: test "$(pwd -P)" = "$(cd "$RUNNER_TEMP" && pwd -P)" && echo "cwd temp ok"
                  - name: job env as working directory
                    working-directory: ${{ env.JOB_WS }}/sub
                    run: test "$(pwd -P)" = "$(cd "$GITHUB_WORKSPACE/sub" && pwd -P)" && echo "cwd job env ok"
                  - name: workflow env as working directory
                    working-directory: ${{ env.WF_WS }}
                    run: test "$(pwd -P)" = "$(cd "$GITHUB_WORKSPACE/build" && pwd -P)" && echo "cwd wf env ok"
                  - name: absolute working directory
                    working-directory: /tmp
                    run: test "$(pwd -P)" = "$(cd /tmp && pwd -P)" && echo "cwd absolute ok"
                  - name: shell from env
                    shell: ${{ env.MY_SHELL }}
                    run: test -n "$BASH_VERSION" && echo "shell from env ok"
                  - id: t
                    run: echo "temp=${{ runner.temp }}" >> "$GITHUB_OUTPUT"
                  - name: step outputs
                    run: test "${{ steps.t.outputs.temp }}" = "$RUNNER_TEMP" && echo "steps ok"
                  - name: composite action
                    uses: ./.github/actions/ctx
                    with:
                      dir: ${{ runner.temp }}
              after:
                needs: ctx
                runs-on: ubuntu-latest
                env:
                  AFTER_DIR: ${{ github.workspace }}/after
                defaults:
                  run:
                    working-directory: ${{ env.AFTER_DIR }}
                steps:
                  - run: mkdir -p after
                    working-directory: .
                  - run: |
                      test "$(pwd -P)" = "$(cd "$GITHUB_WORKSPACE/after" && pwd -P)"
                      test -n "${{ needs.ctx.outputs.ws }}" && test -n "${{ needs.ctx.outputs.temp }}"
                      echo "needs ws=${{ needs.ctx.outputs.ws }} temp=${{ needs.ctx.outputs.temp }}"
            """;

    static final String ACTION = """
            name: ctx
            inputs:
              dir:
                required: true
              where:
                default: ${{ github.workspace }}
            runs:
              using: composite
              steps:
                - shell: bash
                  run: |
                    test "${{ inputs.dir }}" = "$RUNNER_TEMP"
                    test "${{ inputs.where }}" = "$GITHUB_WORKSPACE"
                    test "${{ github.action_path }}" = "$GITHUB_ACTION_PATH" && test -n "$GITHUB_ACTION_PATH"
                    test "${{ github.workspace }}" = "$GITHUB_WORKSPACE"
                    test "${{ runner.temp }}" = "$RUNNER_TEMP"
                    echo "action ok"
            """;

    @TempDir
    Path root;

    @Test
    void everyRunnerSideContextHasItsValueWhereverAnExpressionIs() throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ctx.yml"), WORKFLOW);
        Files.createDirectories(repo.resolve(".github/actions/ctx"));
        Files.writeString(repo.resolve(".github/actions/ctx/action.yml"), ACTION);
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");

        RunwayProcess p = RunwayProcess.start(
                root.resolve("logs"),
                "run",
                Map.of(),
                List.of("run", "--data-dir", root.resolve("data").toString()),
                repo);
        assertThat(p.awaitExit(Duration.ofSeconds(180))).as(p.output()).isZero();
        for (String leg : List.of("bash", "sh")) {
            assertThat(p.output())
                    .as(p.output())
                    .contains("[ctx (" + leg + ")] step ok " + leg + " Linux")
                    .contains("[ctx (" + leg + ")] cwd temp ok")
                    .contains("[ctx (" + leg + ")] cwd job env ok")
                    .contains("[ctx (" + leg + ")] cwd wf env ok")
                    .contains("[ctx (" + leg + ")] cwd absolute ok")
                    .contains("[ctx (" + leg + ")] shell from env ok")
                    .contains("[ctx (" + leg + ")] steps ok")
                    .contains("[ctx (" + leg + ")] action ok");
        }
        assertThat(p.output())
                .containsPattern("levels ok ws=/\\S+ temp=/\\S+")
                .containsPattern("\\[after] needs ws=/\\S+ temp=/\\S+")
                .contains("run succeeded");
    }
}
