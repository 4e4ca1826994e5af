package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.TestEngine;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `runway agent --executor container` as its own process against a real engine (Podman's Docker API in CI): a job
 * runs in its container next to a health-checked service, its resource use reaches the API and `runway jobs show`,
 * and after a SIGKILL of the agent its next start removes the job's containers, network and workspace. Skipped
 * without an engine, failed instead under CI=true.
 */
class ContainerExecutorE2ETest {
    static ContainerEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void engine() throws Exception {
        engine = TestEngine.require();
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    @Test
    void aJobRunsInItsContainerBesideItsServiceAndReportsWhatItUsed() {
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("boxed", "linux", "--executor", "container", "--image", TestEngine.IMAGE, "--memory", "256m");
            JobView job = c.api()
                    .submit(aJob("with-service")
                            .labels("linux")
                            .service(
                                    "web",
                                    Map.of(
                                            "image",
                                            TestEngine.WEB_IMAGE,
                                            "options",
                                            "--health-cmd 'wget -qO- http://127.0.0.1:8080/' --health-interval 200ms"))
                            .step("call", "wget -qO- http://web:8080/ && hostname > host.txt && echo PATH=$PATH")
                            .step("burn", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo burnt")
                            .build());
            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(120));
            String log = c.api().logs(done.id());
            assertThat(log)
                    .contains("service 'web' is healthy")
                    .contains("ok\n")
                    .contains("PATH=/bin")
                    .contains("burnt")
                    .contains("[runway] resources: CPU");
            assertThat(done.usage().cpuSeconds()).isGreaterThan(0.0);
            assertThat(done.usage().peakMemoryBytes()).isGreaterThan(0L);
            RunwayProcess show = c.cli("jobs", "show", done.id());
            assertThat(show.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(show.output()).containsPattern("resources +CPU [0-9.]+ s, peak memory [0-9.]+ MiB");
            assertThat(engine.containers(Map.of(ContainerEngine.LABEL_JOB, done.id() + "-1")))
                    .isEmpty();
        }
    }

    /**
     * {@code ${{ github.workspace }}} and {@code ${{ runner.temp }}} in a workflow job's {@code container:} and
     * {@code services:} are the runner's paths (the control plane, which has neither, leaves them to the runner): the
     * job container's env holds them, and the service's env too (its health check fails on an empty value).
     */
    @Test
    void runnerPathsInContainerAndServicesAreTheRunners() throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(
                repo.resolve(".github/workflows/boxed.yml"), """
                on: push
                jobs:
                  boxed:
                    runs-on: linux
                    container:
                      image: %s
                      env:
                        WS: ${{ github.workspace }}
                        TMP: ${{ runner.temp }}/x
                    services:
                      web:
                        image: %s
                        env:
                          SERVED_FROM: ${{ github.workspace }}
                        options: --health-cmd 'test -n "$SERVED_FROM" && wget -qO- http://127.0.0.1:8080/' --health-interval 200ms
                    steps:
                      - run: |
                          test -n "$WS" && test "$WS" = "${{ github.workspace }}" && test "$WS" = "$GITHUB_WORKSPACE" && echo "OUT ws ok"
                          test "$TMP" = "${{ runner.temp }}/x" && test -d "${{ runner.temp }}" && echo "OUT temp ok"
                """.formatted(TestEngine.IMAGE, TestEngine.WEB_IMAGE));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        try (Cluster c = new Cluster(root.resolve("cluster")).start()) {
            c.startAgent("boxed", "linux", "--executor", "container", "--image", TestEngine.IMAGE);
            dev.runway.protocol.RunView started = c.api()
                    .startRun(new dev.runway.protocol.RunRequest(
                            repo.toString(), "main", ".github/workflows/boxed.yml", null, "push", Map.of()));
            dev.runway.protocol.RunView run = await().atMost(Duration.ofSeconds(120))
                    .until(() -> c.api().run(started.id()), r -> r.state().isTerminal());
            JobView job = run.jobs().get(0);
            String log = c.api().logs(job.id());
            assertThat(run.state()).as(log + c.outputs()).isEqualTo(JobState.SUCCEEDED);
            assertThat(log.lines().filter(l -> l.startsWith("OUT ")).toList())
                    .containsExactly("OUT ws ok", "OUT temp ok");
            assertThat(log).contains("service 'web' is healthy");
        }
    }

    @Test
    void aRestartedAgentRemovesTheContainersOfTheJobItWasKilledIn() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent =
                    c.startAgent("victim", "linux", "--executor", "container", "--image", TestEngine.IMAGE);
            JobView job = c.api()
                    .submit(aJob("long")
                            .labels("linux")
                            .maxAttempts(1)
                            .step("hang", "echo started; sleep 300")
                            .build());
            await("the job's step runs")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> c.api().logs(job.id()).contains("started"));
            Map<String, String> labels = Map.of(ContainerEngine.LABEL_JOB, job.id() + "-1");
            assertThat(engine.containers(labels)).hasSize(1);
            Path workspace = c.workspaces("victim").resolve(job.id() + "-1");
            assertThat(workspace).isDirectory();

            agent.kill();
            assertThat(engine.containers(labels))
                    .as("a SIGKILLed agent cannot clean up")
                    .hasSize(1);

            c.startAgent("victim", "linux", "--executor", "container", "--image", TestEngine.IMAGE);
            await("the restarted agent removes the leftovers")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> engine.containers(labels).isEmpty()
                            && engine.networks(labels).isEmpty()
                            && !Files.exists(workspace));
        }
    }

    @Test
    void aContainerRunnerWithoutAnEngineRefusesToStart() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess p = c.cli(
                    "agent",
                    "--url",
                    c.url(),
                    "--executor",
                    "container",
                    "--engine",
                    "unix:///nonexistent/docker.sock");
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(p.output()).contains("cannot reach the container engine at unix:///nonexistent/docker.sock");
        }
    }
}
