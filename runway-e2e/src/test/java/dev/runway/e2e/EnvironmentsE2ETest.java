package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.EnvironmentView;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deployment environments end to end, as separate processes: a job with {@code environment: production} is not
 * created (so no idle runner can take it) until one of the environment's reviewers approves, not before its wait
 * timer, and gets the environment's secret and variable over the global ones; a token that is not a reviewer is
 * refused (even an admin's), a rejection fails the job with the reviewer's words, a branch the rules do not allow
 * fails it at once, and every decision is in the audit log. The job writes its own evidence (when it started, the
 * hash of the key it got).
 */
class EnvironmentsE2ETest {
    static final String ENV_KEY = "production-key-7f3a9";
    static final String GLOBAL_KEY = "global-key-0000";

    @TempDir
    Path root;

    static String workflow(Path evidence) {
        return """
                on: push
                jobs:
                  build:
                    runs-on: linux
                    steps:
                      - run: echo built
                  deploy:
                    needs: build
                    runs-on: linux
                    environment:
                      name: ${{ 'Production' }}
                      url: https://example.test/${{ github.sha }}
                    steps:
                      - name: deploy
                        env:
                          KEY: ${{ secrets.DEPLOY_KEY }}
                        run: |
                          echo "started $(date +%%s%%N)" > %1$s/deploy
                          echo "key $(printf %%s "$KEY" | sha256sum | cut -c1-64)" >> %1$s/deploy
                          echo "region ${{ vars.REGION }}"
                  other:
                    needs: build
                    runs-on: linux
                    steps:
                      - env:
                          KEY: ${{ secrets.DEPLOY_KEY }}
                        run: echo "other key sha $(printf %%s "$KEY" | sha256sum | cut -c1-64) region ${{ vars.REGION }}"
                """.formatted(evidence);
    }

    @Test
    void aDeploymentWaitsForAReviewerAndItsTimerAndGetsTheEnvironmentsSecrets() throws Exception {
        Path evidence = Files.createDirectories(root.resolve("evidence"));
        Path repo = Files.createDirectories(root.resolve("acme").resolve("web"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), workflow(evidence));
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci");
        Path deployed = evidence.resolve("deploy");
        try (Cluster c = new Cluster(root.resolve("cluster")).start()) {
            String alice = token(c, "viewer", "alice");
            String mallory = token(c, "admin", "mallory");
            ok(c.cli("envs", "set", "production", "--reviewer", "alice", "--wait", "3s", "--branch", "main"));
            ok(c.cliWithInput(
                    Files.writeString(root.resolve("k1"), ENV_KEY),
                    "secrets",
                    "set",
                    "DEPLOY_KEY",
                    "--env",
                    "production"));
            ok(c.cliWithInput(Files.writeString(root.resolve("k2"), GLOBAL_KEY), "secrets", "set", "DEPLOY_KEY"));
            ok(c.cli("vars", "set", "REGION", "eu-1", "--env", "production"));
            ok(c.cli("vars", "set", "REGION", "us-0"));
            RunwayProcess envs = c.cli("envs", "ls");
            ok(envs);
            assertThat(envs.output()).contains("production", "alice", "main");
            c.startAgent("w1", "linux");

            // 1. waits for alice, not for an admin who is not a reviewer; then for its timer
            String run = submit(c, repo);
            await("build and other finish, deploy waits")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> state(c, run, "other") == JobState.SUCCEEDED
                            && deployments(c, run).deployments().size() == 1);
            EnvironmentView.Deployment waiting =
                    deployments(c, run).deployments().get(0);
            assertThat(waiting.state()).isEqualTo("waiting");
            assertThat(waiting.environment()).isEqualTo("production");
            assertThat(waiting.reviewers()).containsExactly("alice");
            assertThat(c.api().run(run).jobs()).extracting(JobView::name).doesNotContain("deploy");
            assertThat(c.api().run(run).state()).isEqualTo(JobState.RUNNING);
            RunwayProcess show = c.cli("runs", "show", run);
            ok(show);
            assertThat(show.output()).contains("production", "waiting for approval", "runway runs approve " + run);
            assertThat(c.api().logs(job(c, run, "other").id()))
                    .as("a job that does not deploy gets the global secret and variable")
                    .contains("other key sha " + SecretsE2ETest.sha256(GLOBAL_KEY) + " region us-0");

            Api.Response refused = c.api()
                    .json("POST", path(run), mallory, new EnvironmentView.Decision("production", "approve", null));
            assertThat(refused.status()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("only the reviewers of environment 'production' (alice)");
            Api.Response bad =
                    c.api().json("POST", path(run), alice, new EnvironmentView.Decision("production", "ok", null));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(Files.exists(deployed))
                    .as("nothing ran before the approval")
                    .isFalse();

            RunwayProcess approve = c.cli("runs", "approve", run, "--env", "Production", "--token", alice);
            ok(approve);
            assertThat(approve.output()).contains("deployment to production approved");
            await("the approved deployment runs")
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> c.api().run(run).state().isTerminal());
            assertThat(c.api().run(run).state()).as(c.outputs()).isEqualTo(JobState.SUCCEEDED);
            java.util.List<String> lines = Files.readAllLines(deployed);
            long startedMs = Long.parseLong(lines.get(0).split(" ")[1]) / 1_000_000;
            assertThat(startedMs - waiting.requestedAt().toEpochMilli())
                    .as("started no sooner than the 3 s wait timer after it reached the environment")
                    .isGreaterThanOrEqualTo(3_000);
            assertThat(lines.get(1)).isEqualTo("key " + SecretsE2ETest.sha256(ENV_KEY));
            String log = c.api().logs(job(c, run, "deploy").id());
            assertThat(log).contains("region eu-1").doesNotContain(ENV_KEY, GLOBAL_KEY);
            Api.Response twice =
                    c.api().json("POST", path(run), alice, new EnvironmentView.Decision("production", "reject", null));
            assertThat(twice.status()).isEqualTo(409);
            assertThat(twice.body()).contains("already approved by alice");

            // a re-run of the deploy job asks again: its attempt has a request of its own
            Files.delete(deployed);
            Api.Response rerun = c.api()
                    .json(
                            "POST",
                            ApiPaths.withId(ApiPaths.RUN_RERUN, run),
                            c.adminToken(),
                            java.util.Map.of("job", "deploy"));
            assertThat(rerun.status()).as(rerun.body()).isEqualTo(202);
            await("the re-run waits for a reviewer again")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> deployments(c, run).deployments().size() == 1
                            && deployments(c, run).deployments().get(0).runAttempt() == 2);
            assertThat(deployments(c, run).deployments().get(0).state()).isEqualTo("waiting");
            assertThat(Files.exists(deployed))
                    .as("the approval of attempt 1 does not carry over")
                    .isFalse();
            ok(c.cli("runs", "reject", run, "--env", "production", "--token", alice));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().run(run).state().isTerminal());

            // 2. a rejection fails the deployment with the reviewer's words
            String rejected = submit(c, repo);
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> deployments(c, rejected).deployments().size() == 1);
            ok(c.cli(
                    "runs",
                    "reject",
                    rejected,
                    "--env",
                    "production",
                    "--comment",
                    "not on a Friday",
                    "--token",
                    alice));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().run(rejected).state().isTerminal());
            assertThat(c.api().run(rejected).state()).isEqualTo(JobState.FAILED);
            assertThat(job(c, rejected, "deploy").reason())
                    .isEqualTo("the deployment to environment 'production' was rejected by alice: not on a Friday");
            assertThat(Files.exists(deployed)).isFalse();

            // 3. a branch the rules do not allow fails at once, asking no one
            ok(c.cli("envs", "set", "production", "--reviewer", "alice", "--branch", "release/*"));
            String wrongBranch = submit(c, repo);
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> c.api().run(wrongBranch).state().isTerminal());
            assertThat(job(c, wrongBranch, "deploy").reason())
                    .isEqualTo("'main' may not deploy to environment 'production' (its rules allow release/*)");
            assertThat(deployments(c, wrongBranch).deployments()).isEmpty();
            assertThat(Files.exists(deployed)).isFalse();

            RunwayProcess audit = c.cli("audit", "ls", "--kind", "deployment.", "--since", "1h");
            ok(audit);
            assertThat(audit.output())
                    .contains("deployment.approved", "deployment.rejected", "deployment.refused", run + ":production")
                    .contains("by alice: not on a Friday");
        }
    }

    static String token(Cluster c, String role, String name) {
        return c.api()
                .read(
                        c.api()
                                .json(
                                        "POST",
                                        ApiPaths.API_TOKENS,
                                        c.adminToken(),
                                        new ApiTokenView.CreateRequest(role, null, name)),
                        201,
                        ApiTokenView.class)
                .token();
    }

    static String path(String run) {
        return ApiPaths.withId(ApiPaths.RUN_DEPLOYMENTS, run);
    }

    static EnvironmentView.DeploymentList deployments(Cluster c, String run) {
        return c.api()
                .read(c.api().json("GET", path(run), c.adminToken(), null), 200, EnvironmentView.DeploymentList.class);
    }

    static JobView job(Cluster c, String run, String name) {
        return c.api().run(run).jobs().stream()
                .filter(j -> j.name().equals(name))
                .findFirst()
                .orElseThrow(() ->
                        new AssertionError("no job " + name + " in " + c.api().run(run)));
    }

    static JobState state(Cluster c, String run, String name) {
        return c.api().run(run).jobs().stream()
                .filter(j -> j.name().equals(name))
                .map(JobView::state)
                .findFirst()
                .orElse(null);
    }

    static String submit(Cluster c, Path repo) {
        RunwayProcess submit = c.cli("submit", "-w", ".github/workflows/ci.yml", "--repo", repo.toString());
        assertThat(submit.awaitExit(Duration.ofSeconds(90))).as(submit.output()).isZero();
        return submit.output().lines().findFirst().orElseThrow().strip();
    }

    static void ok(RunwayProcess p) {
        assertThat(p.awaitExit(Duration.ofSeconds(60))).as(p.output()).isZero();
    }
}
