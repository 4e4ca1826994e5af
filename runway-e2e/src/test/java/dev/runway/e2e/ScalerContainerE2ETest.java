package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.TestEngine;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaler's container provider with a real engine (Podman's Docker API in CI): each queued job gets a runner
 * agent in its own container, which runs the job and exits; the scaler then removes the container. The image is the
 * tests' busybox; the agent's JDK and class path are the host's, mounted read-only (as an operator would mount a
 * runway distribution into a minimal image). Skipped without an engine, failed instead under CI=true.
 */
class ScalerContainerE2ETest {
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
    void eachQueuedJobRunsOnARunnerInItsOwnContainerThatIsRemovedAfterwards() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path repo = ModuleBoundariesTest.ROOT;
        String home = System.getProperty("user.home");
        StringBuilder cmd = new StringBuilder("[");
        for (String a : List.of(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.runway.cli.Main",
                "agent"))
            cmd.append(cmd.length() > 1 ? ", " : "").append('"').append(a).append('"');
        cmd.append(']');
        Path pools = root.resolve("pools.yml");
        Files.writeString(pools, """
                state-dir: %s
                reconcile-every: 1s
                pools:
                  boxed:
                    labels: [boxed]
                    provider: container
                    max: 2
                    agent:
                      image: %s
                      command: %s
                      args: [--work-dir, /tmp/work]
                      env: {PATH: "/usr/local/bin:/usr/bin:/bin"}
                    container:
                      engine: %s
                      network: host
                      memory: 1g
                      volumes: ["/usr:/usr:ro", "/usr/lib:/lib:ro", "/usr/lib64:/lib64:ro", "%s:%s:ro", "%s:%s:ro"]
                """.formatted(
                        root.resolve("scaler"), TestEngine.IMAGE, cmd, engine.host(), home, home, repo, repo));
        try (Cluster c = new Cluster(root).start()) {
            c.startScaler(pools);
            JobView a = c.api()
                    .submit(aJob("in-a-box")
                            .labels("boxed")
                            .step(
                                    "where",
                                    "test -f /run/.containerenv && echo inside a container; echo host $(hostname)")
                            .build());
            JobView b = c.api()
                    .submit(aJob("in-another-box")
                            .labels("boxed")
                            .step("where", "echo second")
                            .build());
            JobView doneA = c.awaitState(a.id(), JobState.SUCCEEDED, Duration.ofSeconds(120));
            JobView doneB = c.awaitState(b.id(), JobState.SUCCEEDED, Duration.ofSeconds(120));
            assertThat(c.api().logs(a.id())).contains("inside a container");
            assertThat(doneA.runnerName()).startsWith("boxed-");
            assertThat(doneB.runnerName()).startsWith("boxed-").isNotEqualTo(doneA.runnerName());
            await("runners gone and their containers removed by the scaler")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        assertThat(ScalerE2ETest.poolRunners(c, "boxed")).isEmpty();
                        assertThat(c.api().pool("boxed").status().stopping()
                                        + c.api().pool("boxed").status().idle())
                                .isZero();
                    });
        } finally {
            // whatever the scaler left (nothing, if it did its job) goes; the count says whether it did
            int left = engine.removeAll(Map.of("runway.dev/pool", "boxed"));
            assertThat(left).as("containers the scaler left behind").isZero();
        }
    }
}
