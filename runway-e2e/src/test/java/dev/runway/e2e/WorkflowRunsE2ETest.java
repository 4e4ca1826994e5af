package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.Annotation;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workflow runs through a real control plane, real agents and a real git repository made by the test: the control
 * plane reads the workflow at the commit, schedules jobs by needs, expands matrices, passes outputs, and decides
 * if:, failure() and always() paths; the CLI starts and follows runs.
 */
class WorkflowRunsE2ETest {
    static final String CI = """
            name: CI
            on:
              push:
              workflow_dispatch:
                inputs:
                  greeting:
                    default: hello
            env:
              WF: wf-level
            jobs:
              build:
                runs-on: linux
                outputs:
                  version: ${{ steps.v.outputs.version }}
                steps:
                  - id: v
                    run: echo "version=1.2.${{ github.run_number }}" >> "$GITHUB_OUTPUT"
                  - run: echo "greeting ${{ inputs.greeting }} sha $GITHUB_SHA ref $GITHUB_REF wf $WF"
                  - run: grep -q '"greeting":"hey"' "$GITHUB_EVENT_PATH" && echo "event payload ok"
                  - name: lint
                    run: |
                      echo "::add-mask::s3cr3t-value"
                      echo "token is s3cr3t-value"
                      echo "::warning file=src/app.c,line=12,col=5::unused variable"
              test:
                needs: build
                runs-on: linux
                strategy:
                  fail-fast: false
                  matrix:
                    n: [1, 2, 3]
                steps:
                  - run: echo "leg ${{ matrix.n }} of ${{ strategy.job-total }} got ${{ needs.build.outputs.version }}"
                  - if: matrix.n == 2
                    run: exit 3
                  - if: failure()
                    run: echo "cleanup after failure in leg ${{ matrix.n }}"
                  - run: echo "not reached in leg ${{ matrix.n }} unless it passed"
              report:
                needs: test
                if: always()
                runs-on: linux
                steps:
                  - run: echo "test result ${{ needs.test.result }}"
              deploy:
                needs: test
                runs-on: linux
                steps:
                  - run: echo should not run
              containerized:
                runs-on: linux
                continue-on-error: true
                container: alpine:${{ inputs.greeting }}
                steps:
                  - run: echo inside
            """;

    static final String OK = """
            name: OK
            on: push
            jobs:
              a:
                runs-on: linux
                outputs:
                  flag: ${{ steps.f.outputs.flag }}
                steps:
                  - uses: actions/checkout@v4
                  - run: echo "checked out $(cat hello.txt) at $(git rev-parse HEAD)"
                  - uses: actions/checkout@v4
                    with:
                      path: sub
                      fetch-depth: 0
                  - run: echo "history $(git -C sub rev-list --count HEAD)"
                  - uses: acme/setup-thing@v2
                    continue-on-error: true
                  - id: f
                    run: echo "flag=yes" >> "$GITHUB_OUTPUT"
                  - id: soft
                    continue-on-error: true
                    run: exit 1
                  - run: echo "soft ${{ steps.soft.outcome }}/${{ steps.soft.conclusion }}"
              b:
                needs: a
                if: needs.a.outputs.flag == 'yes'
                runs-on: linux
                steps:
                  - run: echo "b saw ${{ needs.a.outputs.flag }} on ${{ github.ref_name }}"
              c:
                needs: a
                if: ${{ false }}
                runs-on: linux
                steps:
                  - run: echo never
            """;

    static final String SLOW = """
            on: workflow_dispatch
            jobs:
              slow:
                runs-on: linux
                steps:
                  - run: sleep 300
              after:
                needs: slow
                runs-on: linux
                steps:
                  - run: echo never
            """;

    static final String ARTIFACTS = """
            on: push
            jobs:
              make:
                runs-on: linux
                outputs:
                  sum: ${{ steps.sum.outputs.sum }}
                steps:
                  - run: |
                      mkdir -p dist/sub
                      echo alpha > dist/a.txt
                      echo beta > dist/sub/b.txt
                      head -c 12582912 /dev/urandom > dist/big.bin
                  - id: sum
                    run: echo "sum=$(sha256sum dist/big.bin | cut -d' ' -f1)" >> "$GITHUB_OUTPUT"
                  - uses: actions/upload-artifact@v4
                    with:
                      name: dist
                      path: dist/
                  - uses: actions/upload-artifact@v4
                    with:
                      name: nothing
                      path: no-such-dir/
              use:
                needs: make
                runs-on: linux
                steps:
                  - uses: actions/download-artifact@v4
                    with:
                      name: dist
                      path: got
                  - run: |
                      test "$(sha256sum got/big.bin | cut -d' ' -f1)" = "${{ needs.make.outputs.sum }}"
                      echo "downloaded $(cat got/a.txt) $(cat got/sub/b.txt)"
                  - uses: actions/download-artifact@v4
                    with:
                      path: all
                  - run: ls all/dist/sub/b.txt
                  - id: again
                    continue-on-error: true
                    uses: actions/upload-artifact@v4
                    with:
                      name: dist
                      path: got/a.txt
            """;

    static final String CACHE = """
            on: push
            jobs:
              build:
                runs-on: linux
                steps:
                  - uses: actions/checkout@v4
                  - id: c
                    uses: actions/cache@v4
                    with:
                      path: deps
                      key: deps-${{ hashFiles('lock.txt') }}
                      restore-keys: deps-
                  - if: steps.c.outputs.cache-hit != 'true'
                    run: |
                      mkdir -p deps && echo "built at run ${{ github.run_number }}" > deps/x
                      echo '#!/bin/sh' > deps/tool && echo 'echo tool ran' >> deps/tool && chmod +x deps/tool
                  - run: |
                      echo "hit=${{ steps.c.outputs.cache-hit }} matched=${{ steps.c.outputs.cache-matched-key }}"
                      echo "content: $(cat deps/x)"
                      deps/tool
            """;

    static final String COMPOSITE = """
            on: push
            jobs:
              composite:
                runs-on: linux
                steps:
                  - uses: actions/checkout@v4
                  - id: hi
                    uses: ./.github/actions/greet
                    env:
                      FROM_STEP: set-on-the-uses-step
                    with:
                      who: runway
                  - run: echo "got ${{ steps.hi.outputs.greeting }}"
                  - uses: ./.github/actions/missing
                    continue-on-error: true
                  - uses: ./.github/actions/node
                    with:
                      who: local
            """;

    static final String GREET = """
            name: Greet
            inputs:
              who:
                required: true
              punctuation:
                default: "!"
            outputs:
              greeting:
                value: ${{ steps.g.outputs.text }}
            runs:
              using: composite
              steps:
                - id: g
                  shell: bash
                  run: echo "text=hello ${{ inputs.who }}${{ inputs.punctuation }}" >> "$GITHUB_OUTPUT"
                - shell: bash
                  run: echo "inside greet, FROM_STEP=$FROM_STEP, g said ${{ steps.g.outputs.text }}"
                - uses: ./.github/actions/nested
                  with:
                    n: 2
            """;

    static final String NESTED = """
            name: Nested
            inputs:
              n: {}
            runs:
              using: composite
              steps:
                - shell: sh
                  run: echo "nested got ${{ inputs.n }}, who is '${{ inputs.who }}'"
            """;

    static final String GROUPED = """
            on:
              workflow_dispatch:
                inputs:
                  flag: {required: true}
                  cancel: {type: boolean, default: false}
            concurrency:
              group: deploy-${{ github.ref_name }}
              cancel-in-progress: ${{ inputs.cancel }}
            jobs:
              deploy:
                runs-on: linux
                steps:
                  - run: while [ ! -f "${{ inputs.flag }}" ]; do sleep 0.05; done; echo "deployed"
            """;

    @TempDir
    Path root;

    @Test
    void multiJobWorkflowFollowsNeedsMatrixOutputsAndFailurePaths() throws Exception {
        Path repo = repo(Map.of(".github/workflows/ci.yml", CI));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "3");

            RunwayProcess cli = c.cli(
                    "submit",
                    "--workflow",
                    ".github/workflows/ci.yml",
                    "--repo",
                    repo.toString(),
                    "-i",
                    "greeting=hey",
                    "--follow");
            assertThat(cli.awaitExit(Duration.ofSeconds(60))).as(cli.output()).isEqualTo(1);
            String runId = cli.output().lines().findFirst().orElseThrow().strip();

            RunView run = c.api().run(runId);
            assertThat(run.state()).isEqualTo(JobState.FAILED);
            assertThat(run.reason()).isEqualTo("job 'test (2)' failed");
            assertThat(run.sha()).isEqualTo(git(repo, "rev-parse", "HEAD"));
            assertThat(run.ref()).isEqualTo("refs/heads/main");
            assertThat(run.inputs()).containsEntry("greeting", "hey");
            Map<String, JobView> jobs = byName(run);
            assertThat(jobs.keySet())
                    .containsExactlyInAnyOrder(
                            "build", "test (1)", "test (2)", "test (3)", "report", "deploy", "containerized");
            assertThat(jobs.get("containerized").state()).isEqualTo(JobState.FAILED);
            assertThat(jobs.get("containerized").reason())
                    .contains("needs a container (container: alpine:hey)", "shell executor");
            assertThat(jobs.get("build").state()).isEqualTo(JobState.SUCCEEDED);
            String version = "1.2." + run.number();
            assertThat(jobs.get("build").outputs()).containsEntry("version", version);
            assertThat(c.api().logs(jobs.get("build").id()))
                    .contains("greeting hey sha " + run.sha() + " ref refs/heads/main wf wf-level")
                    .contains("event payload ok");
            assertThat(c.api().logs(jobs.get("build").id()))
                    .contains("token is ***", "Warning (src/app.c:12:5): unused variable")
                    .doesNotContain("s3cr3t-value");
            assertThat(jobs.get("build").annotations())
                    .containsExactly(new Annotation("warning", "unused variable", "lint", null, "src/app.c", 12, 5));
            for (int n = 1; n <= 3; n++) {
                JobView leg = jobs.get("test (" + n + ")");
                String log = c.api().logs(leg.id());
                assertThat(log).contains("leg " + n + " of 3 got " + version);
                if (n == 2) {
                    assertThat(leg.state()).isEqualTo(JobState.FAILED);
                    assertThat(log).contains("cleanup after failure in leg 2").doesNotContain("not reached in leg 2");
                } else {
                    assertThat(leg.state()).isEqualTo(JobState.SUCCEEDED);
                    assertThat(log).doesNotContain("cleanup").contains("not reached in leg " + n);
                }
            }
            assertThat(jobs.get("report").state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(c.api().logs(jobs.get("report").id())).contains("test result failure");
            assertThat(jobs.get("deploy").state()).isEqualTo(JobState.SKIPPED);
            assertThat(jobs.get("deploy").runnerId()).isNull();

            RunwayProcess show = c.cli("runs", "show", runId);
            assertThat(show.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(show.output())
                    .contains("test (2)", "skipped", "failed (job 'test (2)' failed)")
                    .contains("warning  lint: unused variable (src/app.c:12:5)");
        }
    }

    @Test
    void outputsDecideConditionsAndASuccessfulRunExitsZero() throws Exception {
        Path repo = repo(Map.of(".github/workflows/ok.yml", OK, "hello.txt", "hello from git"));
        Files.writeString(repo.resolve("hello.txt"), "second commit");
        git(repo, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-qam", "second");
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            RunwayProcess cli = c.cli("submit", "-w", ".github/workflows/ok.yml", "--repo", repo.toString(), "-f");
            assertThat(cli.awaitExit(Duration.ofSeconds(60))).as(cli.output()).isZero();
            RunView run =
                    c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
            assertThat(run.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(run.event()).isEqualTo("push");
            Map<String, JobView> jobs = byName(run);
            assertThat(jobs.get("a").state()).isEqualTo(JobState.SUCCEEDED);
            String log = c.api().logs(jobs.get("a").id());
            assertThat(log).contains("soft failure/success");
            assertThat(log).contains("checked out second commit at " + run.sha());
            assertThat(log).contains("history 2");
            assertThat(log).contains("uses: 'acme/setup-thing@v2': no action sources are configured");
            assertThat(c.api().logs(jobs.get("b").id())).contains("b saw yes on main");
            assertThat(jobs.get("c").state()).isEqualTo(JobState.SKIPPED);
            assertThat(jobs.get("c").reason()).contains("if: condition was false");
        }
    }

    @Test
    void badRequestsNameTheProblem() throws Exception {
        Path repo = repo(Map.of(".github/workflows/ci.yml", CI, ".github/workflows/broken.yml", """
                on: push
                jobs:
                  a:
                    runs-on: linux
                    needs: nowhere
                    steps:
                      - run: true
                """));
        try (Cluster c = new Cluster(root).start()) {
            assertThat(fails(c, "submit", "-w", ".github/workflows/ci.yml", "--repo", repo.toString(), "-i", "nope=1"))
                    .contains("'nope' is not an input of this workflow (its inputs: greeting)");
            assertThat(fails(c, "submit", "-w", ".github/workflows/ci.yml", "--repo", repo.toString(), "--ref", "v9"))
                    .contains("'v9' is not a branch, tag or commit");
            assertThat(fails(c, "submit", "-w", ".github/workflows/none.yml", "--repo", repo.toString()))
                    .contains("no file '.github/workflows/none.yml'");
            assertThat(fails(c, "submit", "-w", ".github/workflows/broken.yml", "--repo", repo.toString()))
                    .contains(".github/workflows/broken.yml:5:");
            assertThat(fails(
                            c,
                            "submit",
                            "-w",
                            ".github/workflows/ci.yml",
                            "--repo",
                            repo.toString(),
                            "--event",
                            "schedule"))
                    .contains("not triggered by 'schedule'");
            assertThat(c.api().jobs().jobs()).isEmpty();
        }
    }

    @Test
    void cancellingARunStopsItsRunningJobAndNeverStartsTheRest() throws Exception {
        Path repo = repo(Map.of(".github/workflows/slow.yml", SLOW));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            RunView run = c.api()
                    .startRun(
                            new RunRequest(repo.toString(), null, ".github/workflows/slow.yml", null, null, Map.of()));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> byName(c.api().run(run.id())).get("slow").state() == JobState.RUNNING);

            c.api().cancelRun(run.id());

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> c.api().run(run.id()).state().isTerminal());
            RunView done = c.api().run(run.id());
            assertThat(done.state()).isEqualTo(JobState.CANCELLED);
            assertThat(byName(done).get("slow").state()).isEqualTo(JobState.CANCELLED);
            assertThat(byName(done).get("after").state()).isEqualTo(JobState.CANCELLED);
        }
    }

    @Test
    void artifactsPassBetweenJobsAndDownloadWithTheCli() throws Exception {
        Path repo = repo(Map.of(".github/workflows/artifacts.yml", ARTIFACTS));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            RunwayProcess cli =
                    c.cli("submit", "-w", ".github/workflows/artifacts.yml", "--repo", repo.toString(), "-f");
            assertThat(cli.awaitExit(Duration.ofSeconds(90)))
                    .as(cli.output() + c.outputs())
                    .isZero();
            RunView run =
                    c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
            Map<String, JobView> jobs = byName(run);
            assertThat(c.api().logs(jobs.get("make").id()))
                    .contains("Uploading 3 file(s) as artifact 'dist'")
                    .contains("Warning: No files were found with the provided path: no-such-dir/");
            assertThat(c.api().logs(jobs.get("use").id()))
                    .contains("downloaded alpha beta")
                    .contains("an artifact named 'dist' already exists in this run");

            RunwayProcess list = c.cli("artifacts", run.id());
            assertThat(list.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(list.output()).contains("dist").doesNotContain("nothing");
            Path out = root.resolve("downloads");
            RunwayProcess download = c.cli("artifacts", "download", run.id(), "dist", "-o", out.toString());
            assertThat(download.awaitExit(Duration.ofSeconds(30)))
                    .as(download.output())
                    .isZero();
            List<String> entries = new java.util.ArrayList<>();
            try (var z = new java.util.zip.ZipFile(out.resolve("dist.zip").toFile())) {
                z.stream().forEach(e -> entries.add(e.getName()));
            }
            assertThat(entries).containsExactlyInAnyOrder("a.txt", "sub/b.txt", "big.bin");
            assertThat(fails(c, "artifacts", "download", run.id(), "missing", "-o", out.toString()))
                    .contains("has no artifact named 'missing'");
        }
    }

    @Test
    void aCacheSavedByOneRunIsRestoredByTheNext() throws Exception {
        Path repo = repo(Map.of(".github/workflows/cache.yml", CACHE, "lock.txt", "v1"));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            String first = runToSuccess(c, repo, ".github/workflows/cache.yml");
            assertThat(first)
                    .contains("Cache not found for input keys: deps-")
                    .contains("hit=false matched=")
                    .contains("content: built at run 1", "tool ran")
                    .contains("Cache saved with key: deps-");
            String second = runToSuccess(c, repo, ".github/workflows/cache.yml");
            assertThat(second)
                    .contains("Cache restored from key: deps-")
                    .contains("hit=true")
                    .contains("content: built at run 1", "tool ran")
                    .contains("not saving cache");

            Files.writeString(repo.resolve("lock.txt"), "v2");
            git(repo, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-qam", "new lock");
            String third = runToSuccess(c, repo, ".github/workflows/cache.yml");
            assertThat(third)
                    .as("a new key falls back to the restore-keys prefix, and saves under the new key")
                    .contains("Cache restored from key: deps-")
                    .contains("hit=false matched=deps-")
                    .contains("content: built at run 3")
                    .contains("Cache saved with key: deps-");
        }
    }

    @Test
    void localCompositeActionsRunWithTheirOwnInputsAndOutputs() throws Exception {
        Path repo = repo(Map.of(
                ".github/workflows/composite.yml",
                COMPOSITE,
                ".github/actions/greet/action.yml",
                GREET,
                ".github/actions/nested/action.yaml",
                NESTED,
                ".github/actions/node/action.yml",
                "name: n\ninputs:\n  who:\n    required: true\nruns:\n  using: node20\n  main: index.js\n",
                ".github/actions/node/index.js",
                "console.log(`local JavaScript action greets ${process.env.INPUT_WHO} in ${process.cwd()}`);\n"));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            String log = runToSuccess(c, repo, ".github/workflows/composite.yml");
            assertThat(log)
                    .contains("inside greet, FROM_STEP=set-on-the-uses-step, g said hello runway!")
                    .contains("nested got 2, who is ''")
                    .contains("got hello runway!")
                    .contains("uses: './.github/actions/missing': no action.yml or action.yaml")
                    .contains("local JavaScript action greets local in ");
        }
    }

    @Test
    void aConcurrencyGroupRunsOneAtATimeKeepsTheNewestPendingAndCancelsInProgressWhenAsked() throws Exception {
        Path repo = repo(Map.of(".github/workflows/grouped.yml", GROUPED));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "3");
            Path flagA = root.resolve("flag-a");
            RunView a = start(c, repo, Map.of("flag", flagA.toString()));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(a.id()).state() == JobState.RUNNING);
            RunView b = start(c, repo, Map.of("flag", root.resolve("flag-b").toString()));
            RunView d = start(c, repo, Map.of("flag", root.resolve("flag-d").toString()));
            // b was pending behind a, and the newer d replaced it; d waits while a runs
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> c.api().run(b.id()).state() == JobState.CANCELLED);
            assertThat(c.api().run(b.id()).reason()).contains("joined concurrency group 'deploy-main'");
            assertThat(c.api().run(d.id()).state()).isEqualTo(JobState.QUEUED);
            assertThat(c.api().run(d.id()).jobs()).isEmpty();

            Files.writeString(flagA, "go");
            Files.writeString(root.resolve("flag-d"), "go");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(d.id()).state() == JobState.SUCCEEDED);
            assertThat(c.api().run(a.id()).state()).isEqualTo(JobState.SUCCEEDED);

            RunView e = start(c, repo, Map.of("flag", root.resolve("never").toString()));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(e.id()).state() == JobState.RUNNING);
            Files.writeString(root.resolve("flag-f"), "go");
            RunView f = start(c, repo, Map.of("flag", root.resolve("flag-f").toString(), "cancel", "true"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(f.id()).state() == JobState.SUCCEEDED);
            RunView cancelled = c.api().run(e.id());
            assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
            assertThat(cancelled.jobs().get(0).reason()).contains("joined concurrency group 'deploy-main'");
        }
    }

    @Test
    void jobsOfOneConcurrencyGroupRunOneAtATime() throws Exception {
        Path flag = root.resolve("flag");
        Path repo = repo(Map.of(".github/workflows/jobs.yml", """
                on: push
                jobs:
                  first:
                    runs-on: linux
                    concurrency: shared-db
                    steps:
                      - run: while [ ! -f "%s" ]; do sleep 0.05; done
                  second:
                    runs-on: linux
                    concurrency: shared-db
                    steps:
                      - run: echo second ran
                """.formatted(flag)));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "3");
            RunView run = c.api()
                    .startRun(
                            new RunRequest(repo.toString(), null, ".github/workflows/jobs.yml", null, null, Map.of()));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> byName(c.api().run(run.id())).get("first").state() == JobState.RUNNING);
            // the runner has free slots, yet the second job of the group waits (the claim skips it)
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> byName(c.api().run(run.id())).get("second").state() == JobState.QUEUED);
            Files.writeString(flag, "go");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(run.id()).state() == JobState.SUCCEEDED);
        }
    }

    /**
     * A run whose flaky job failed, re-run with {@code runway runs rerun --failed}: only that job runs again (the
     * jobs write their own evidence: the kept job ran once), as attempt 2 in both {@code GITHUB_RUN_ATTEMPT} and
     * {@code github.run_attempt}, and it sees the kept job's output; the first attempt's failed log stays readable.
     */
    @Test
    void aFailedJobIsReRunFromTheCliAndOnlyItRunsAgain() throws Exception {
        Path evidence = Files.createDirectories(root.resolve("rerun-evidence"));
        Path flag = root.resolve("fixed");
        Path repo = repo(Map.of(".github/workflows/flaky.yml", """
                on: push
                jobs:
                  build:
                    runs-on: linux
                    outputs: {artifact: "${{ steps.a.outputs.name }}"}
                    steps:
                      - id: a
                        run: |
                          echo "build $GITHUB_RUN_ATTEMPT" >> %1$s/build.runs
                          echo "name=app-1.0.tar" >> "$GITHUB_OUTPUT"
                  flaky:
                    runs-on: linux
                    needs: build
                    steps:
                      - run: |
                          echo "flaky attempt $GITHUB_RUN_ATTEMPT/${{ github.run_attempt }} got ${{ needs.build.outputs.artifact }}"
                          test -f %2$s
                """.formatted(evidence, flag)));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "2");
            RunwayProcess submit =
                    c.cli("submit", "-w", ".github/workflows/flaky.yml", "--repo", repo.toString(), "-f");
            assertThat(submit.awaitExit(Duration.ofSeconds(60)))
                    .as(submit.output())
                    .isNotZero();
            String runId = submit.output().lines().findFirst().orElseThrow().strip();
            RunView first = c.api().run(runId);
            assertThat(first.state()).isEqualTo(JobState.FAILED);
            String firstFlaky = byName(first).get("flaky").id();

            Files.writeString(flag, "fixed");
            RunwayProcess rerun = c.cli("runs", "rerun", runId, "--failed", "--follow");
            assertThat(rerun.awaitExit(Duration.ofSeconds(60)))
                    .as(rerun.output() + c.outputs())
                    .isZero();
            assertThat(rerun.output()).contains(runId + " attempt 2");
            RunView second = c.api().run(runId);
            assertThat(second.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(second.attempt()).isEqualTo(2);
            assertThat(Files.readString(evidence.resolve("build.runs")))
                    .as("the kept job did not run again")
                    .isEqualTo("build 1\n");
            assertThat(c.api().logs(byName(second).get("flaky").id())).contains("flaky attempt 2/2 got app-1.0.tar");
            assertThat(c.api().logs(firstFlaky))
                    .as("the first attempt's log is kept")
                    .contains("flaky attempt 1/1 got app-1.0.tar");

            RunwayProcess show = c.cli("runs", "show", runId, "--attempt", "1");
            assertThat(show.awaitExit(Duration.ofSeconds(30))).as(show.output()).isZero();
            assertThat(show.output()).contains("attempt   1").contains("failed");
            String refused = fails(c, "runs", "rerun", runId, "--job", "nope");
            assertThat(refused).contains("no job 'nope' (its jobs: build, flaky)");
        }
    }

    /** Variables set with the CLI reach a real job's expressions; a repository's wins over the global one. */
    @Test
    void variablesSetWithTheCliReachTheJobsOfTheirRepository() throws Exception {
        Path repo = repo(Map.of(".github/workflows/vars.yml", """
                on: push
                jobs:
                  show:
                    runs-on: ${{ vars.POOL }}
                    env: {TARGET: "${{ vars.TARGET }}"}
                    steps:
                      - run: echo "deploying to $TARGET from ${{ vars.POOL }} (${{ vars.UNSET }})"
                """));
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "1");
            String name =
                    root.getFileName() + "/repo"; // github.repository of a local repository without a GitHub origin
            for (String[] set : new String[][] {
                {"vars", "set", "POOL", "linux"},
                {"vars", "set", "TARGET", "staging"},
                {"vars", "set", "TARGET", "production", "--repo", name},
                {"vars", "set", "TARGET", "elsewhere", "--repo", "other/repo"}
            }) {
                RunwayProcess p = c.cli(set);
                assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.output()).isZero();
            }
            RunwayProcess ls = c.cli("vars", "ls");
            assertThat(ls.awaitExit(Duration.ofSeconds(30))).as(ls.output()).isZero();
            assertThat(ls.output()).contains("TARGET").contains("production").contains("(all)");
            String log = runToSuccess(c, repo, ".github/workflows/vars.yml");
            assertThat(log).contains("deploying to production from linux ()");
        }
    }

    private RunView start(Cluster c, Path repo, Map<String, String> inputs) {
        return c.api()
                .startRun(new RunRequest(repo.toString(), null, ".github/workflows/grouped.yml", null, null, inputs));
    }

    /** Starts a run of {@code workflow}, waits for success and returns its first job's log. */
    private String runToSuccess(Cluster c, Path repo, String workflow) {
        RunwayProcess cli = c.cli("submit", "-w", workflow, "--repo", repo.toString(), "-f");
        assertThat(cli.awaitExit(Duration.ofSeconds(60)))
                .as(cli.output() + c.outputs())
                .isZero();
        RunView run = c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
        return c.api().logs(run.jobs().get(0).id());
    }

    private String fails(Cluster c, String... args) {
        RunwayProcess p = c.cli(args);
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.output()).isNotZero();
        assertThat(p.output()).doesNotContain("Exception");
        return p.output();
    }

    static Map<String, JobView> byName(RunView run) {
        return run.jobs().stream()
                .collect(Collectors.toMap(JobView::name, j -> j, (a, b) -> b, java.util.LinkedHashMap::new));
    }

    private Path repo(Map<String, String> files) throws Exception {
        return repo(root, files);
    }

    /** A git repository at {@code root/repo} holding {@code files} in one commit on main. */
    static Path repo(Path root, Map<String, String> files) throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        git(repo, "init", "-q", "-b", "main");
        for (var f : files.entrySet()) {
            Path p = repo.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "workflows");
        return repo;
    }

    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("git " + String.join(" ", args) + ": " + out)
                .isZero();
        return out;
    }
}
