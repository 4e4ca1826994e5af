package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent lifecycle modes as a user drives them: SIGTERM, --ephemeral, --slots; and the log size limit. */
class AgentModesE2ETest {
    @TempDir
    Path root;

    @Test
    void sigtermLetsTheRunningJobFinishTakesNoMoreAndExitsZero() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent = c.startAgent("graceful", "linux", "--shutdown-grace", "20s");
            JobView running = c.api()
                    .submit(aJob("finishing")
                            .step("work", "echo begin; sleep 2; echo end")
                            .build());
            c.awaitState(running.id(), JobState.RUNNING, Duration.ofSeconds(30));

            agent.terminate();
            JobView queuedAfter =
                    c.api().submit(aJob("not-taken").step("s", "true").build());

            assertThat(agent.awaitExit(Duration.ofSeconds(30)))
                    .as(agent.output())
                    .isZero();
            assertThat(c.api().job(running.id()).state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(c.api().logs(running.id())).contains("end");
            assertThat(c.api().job(queuedAfter.id()).state()).isEqualTo(JobState.QUEUED);
        }
    }

    @Test
    void sigtermCancelsAJobThatOutlivesTheGracePeriod() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent = c.startAgent("impatient", "linux", "--shutdown-grace", "1s");
            JobView job =
                    c.api().submit(aJob("too-long").step("work", "sleep 300").build());
            c.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !agent.descendants().isEmpty());

            agent.terminate();

            assertThat(agent.awaitExit(Duration.ofSeconds(30))).isZero();
            JobView done = c.awaitState(job.id(), JobState.CANCELLED, Duration.ofSeconds(10));
            assertThat(done.reason()).contains("shutting down");
        }
    }

    @Test
    void anEphemeralRunnerRunsExactlyOneJobThenDeregistersAndExits() {
        try (Cluster c = new Cluster(root).start()) {
            JobView first = c.api()
                    .submit(aJob("one").labels("eph").step("s", "echo first").build());
            JobView second = c.api()
                    .submit(aJob("two").labels("eph").step("s", "echo second").build());
            RunwayProcess agent = c.startAgent("single-use", "eph", "--ephemeral");

            assertThat(agent.awaitExit(Duration.ofSeconds(30)))
                    .as(agent.output())
                    .isZero();
            assertThat(c.api().job(first.id()).state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(c.api().job(second.id()).state()).isEqualTo(JobState.QUEUED);
            assertThat(c.api().runners().runners()).noneMatch(r -> r.name().equals("single-use"));
            assertThat(root.resolve("agents/single-use/credential.json")).doesNotExist();
        }
    }

    @Test
    void slotsRunJobsSideBySide() throws Exception {
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("wide", "linux", "--slots", "3");
            Path barrier = Files.createDirectories(root.resolve("barrier"));
            List<String> ids = new ArrayList<>();
            // each job waits until all three are running at once: only possible with three slots
            for (int i = 0; i < 3; i++) {
                ids.add(c.api()
                        .submit(aJob("par-" + i)
                                .step(
                                        "s",
                                        "touch " + barrier + "/" + i + "; for t in $(seq 1 600); do [ $(ls " + barrier
                                                + " | wc -l) -ge 3 ] && exit 0; sleep 0.05; done; exit 1")
                                .build())
                        .id());
            }
            // up to ~30 s for all three to be running (a loaded CI machine once took over 10 s to start the third)
            for (String id : ids) c.awaitState(id, JobState.SUCCEEDED, Duration.ofSeconds(90));
        }
    }

    @Test
    void aLogOverTheLimitIsTruncatedWithAVisibleMarker() {
        try (Cluster c = new Cluster(root, "--max-log-size", "64KiB").start()) {
            c.startAgent("chatty", "linux");
            JobView job = c.api()
                    .submit(aJob("flood")
                            .step(
                                    "s",
                                    "for i in $(seq 1 20000); do echo \"line $i of a long log\"; done; echo done-marker")
                            .build());
            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            String log = c.api().logs(job.id());
            assertThat(log)
                    .contains("line 1 of")
                    .contains("[runway] log truncated")
                    .doesNotContain("done-marker");
            assertThat(done.logBytes()).isLessThan(64 * 1024 + 200);
        }
    }

    @Test
    void runwayUpRunsTheExampleJobOnAFreshDataDirectory() {
        Path dataDir = root.resolve("up-data");
        RunwayProcess up = RunwayProcess.start(
                root.resolve("process-logs"),
                "up",
                Map.of(),
                List.of("up", "--port", "0", "--data-dir", dataDir.toString(), "--exit-after-example"));
        try (up) {
            assertThat(up.awaitExit(Duration.ofSeconds(60))).as(up.output()).isZero();
            assertThat(up.output())
                    .contains("control plane  http://127.0.0.1:")
                    .contains("admin token    rwa_")
                    .contains("Hello from Runway")
                    .contains("example job succeeded");
            assertThat(dataDir.resolve("admin-token")).exists();
        }
    }

    /**
     * The first-day path: `runway up` on a port of its own choosing; a second terminal in the same directory (another
     * process, no --url, no token) finds it through the data directory, and a workflow that says
     * `runs-on: ubuntu-latest`, as nearly every real one does, runs on the local runner; a job no runner can take says
     * why it waits in `runway jobs`.
     */
    @Test
    void aSecondTerminalFindsRunwayUpOnAnyPortAndUbuntuLatestRunsThere() throws Exception {
        Path dataDir = root.resolve("up-any-port");
        Path repo = Files.createDirectories(root.resolve("first-day/.github/workflows"))
                .getParent()
                .getParent();
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                on: [push, workflow_dispatch]
                jobs:
                  build:
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo "built on $RUNNER_NAME for ${{ runner.os }}"
                """);
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        try (RunwayProcess up = RunwayProcess.start(
                root.resolve("process-logs"),
                "up-any-port",
                Map.of(),
                List.of("up", "--port", "0", "--data-dir", dataDir.toString(), "--no-example"))) {
            up.awaitOutput("Press Ctrl-C to stop.", Duration.ofSeconds(60));
            assertThat(up.output()).contains("ubuntu-latest").doesNotContain(":8420");

            RunwayProcess run = RunwayProcess.start(
                    root.resolve("process-logs"),
                    "second-terminal",
                    Map.of(),
                    List.of(
                            "submit",
                            "--workflow",
                            ".github/workflows/ci.yml",
                            "--repo",
                            repo.toString(),
                            "--follow",
                            "--data-dir",
                            dataDir.toString()));
            assertThat(run.awaitExit(Duration.ofSeconds(90))).as(run.output()).isZero();
            assertThat(run.output()).contains("build: succeeded");

            Files.writeString(root.resolve("gpu.yaml"), """
                    name: needs-a-gpu
                    labels: [gpu]
                    steps:
                      - name: s
                        run: "true"
                    """);
            RunwayProcess submit = RunwayProcess.start(
                    root.resolve("process-logs"),
                    "gpu-submit",
                    Map.of(),
                    List.of("submit", root.resolve("gpu.yaml").toString(), "--data-dir", dataDir.toString()));
            assertThat(submit.awaitExit(Duration.ofSeconds(60)))
                    .as(submit.output())
                    .isZero();
            RunwayProcess jobs = RunwayProcess.start(
                    root.resolve("process-logs"),
                    "jobs",
                    Map.of(),
                    List.of("jobs", "--state", "queued", "--data-dir", dataDir.toString()));
            assertThat(jobs.awaitExit(Duration.ofSeconds(60))).as(jobs.output()).isZero();
            assertThat(jobs.output())
                    .contains("WAITING FOR")
                    .contains("needs-a-gpu")
                    .contains("no runner has labels gpu; the runners have [")
                    .contains("ubuntu-latest");
        }
    }
}
