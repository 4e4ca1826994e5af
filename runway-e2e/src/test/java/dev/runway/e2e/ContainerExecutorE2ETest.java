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
