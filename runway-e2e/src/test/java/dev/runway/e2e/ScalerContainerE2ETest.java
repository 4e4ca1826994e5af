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
    /**
     * The same with Runway's own image, as deploy/image/build-local makes it here without a registry (jlink'd
     * runtime, non-root user, {@code runway} on PATH): the pool names only the image, so the container runs the
     * image's {@code runway agent} with nothing of the host mounted. Builds the image under a tag of its own (about a
     * minute; CI=true, root and Podman, as LocalImageTest), removed afterwards.
     */
    @Test
    void theScalersRunnersRunFromRunwaysOwnImage() throws Exception {
        org.assertj.core.api.Assumptions.assumeThat("true".equals(System.getenv("CI")))
                .as("CI=true (the image build takes about a minute)")
                .isTrue();
        org.assertj.core.api.Assumptions.assumeThat("root".equals(System.getProperty("user.name")))
                .as("root (build-local chroots)")
                .isTrue();
        Path repo = ModuleBoundariesTest.ROOT;
        String image = "localhost/runway-e2e-scaler:" + ProcessHandle.current().pid();
        ProcessBuilder pb = new ProcessBuilder(
                        repo.resolve("deploy/image/build-local").toString())
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("build-local.log").toFile());
        pb.environment().put("RUNWAY_IMAGE", image);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process build = pb.start();
        try {
            assertThat(build.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
            assertThat(build.exitValue())
                    .as(Files.readString(root.resolve("build-local.log")))
                    .isZero();
            Path pools = root.resolve("pools.yml");
            Files.writeString(pools, """
                    state-dir: %s
                    reconcile-every: 1s
                    pools:
                      own-image:
                        labels: [own-image]
                        provider: container
                        max: 1
                        agent:
                          image: %s
                          args: [--work-dir, /tmp/work]
                        container:
                          engine: %s
                          network: host
                          memory: 1g
                    """.formatted(root.resolve("scaler"), image, engine.host()));
            try (Cluster c = new Cluster(root).start()) {
                c.startScaler(pools);
                JobView job = c.api()
                        .submit(aJob("in-runways-image")
                                .labels("own-image")
                                .step(
                                        "where",
                                        "echo \"uid=$(id -u) runway=$(command -v runway) java=$(ls /opt/java/release)\";"
                                                + " test ! -e " + repo + " && echo host repo not visible")
                                .build());
                try {
                    c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(180));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    Process logs = new ProcessBuilder(
                                    "sh",
                                    "-c",
                                    "for c in $(podman ps -aq --filter label=runway.dev/pool=own-image); do podman logs"
                                            + " $c; done")
                            .redirectErrorStream(true)
                            .start();
                    throw new AssertionError(
                            "the job did not succeed; processes:\n" + c.outputs() + "\ncontainers:\n"
                                    + new String(logs.getInputStream().readAllBytes()),
                            e);
                }
                assertThat(c.api().logs(job.id()))
                        .contains("uid=1000 runway=/usr/local/bin/runway java=/opt/java/release")
                        .contains("host repo not visible");
                await("the runner gone and its container removed")
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(250))
                        .untilAsserted(() -> {
                            assertThat(ScalerE2ETest.poolRunners(c, "own-image"))
                                    .isEmpty();
                            assertThat(c.api().pool("own-image").status().stopping()
                                            + c.api().pool("own-image").status().idle())
                                    .isZero();
                        });
                assertThat(engine.removeAll(Map.of("runway.dev/pool", "own-image")))
                        .as("containers the scaler left behind")
                        .isZero();
            } finally {
                engine.removeAll(Map.of("runway.dev/pool", "own-image"));
            }
        } finally {
            build.destroyForcibly();
            new ProcessBuilder("podman", "rmi", "-f", image).start().waitFor();
        }
    }
}
