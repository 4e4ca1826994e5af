package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exclusivity by time: an agent cut off from the control plane by a stalled TCP path (a proxy the test controls)
 * stops its job before the control plane's lease runs out, so the attempt another runner starts never overlaps it.
 * The evidence is written by the job itself: each attempt appends a wall-clock timestamp to a file outside the
 * workspaces every 100 ms (server, agents and test share one host and clock).
 */
class LeasePartitionE2ETest {
    static final int LEASE_SECONDS = 8;

    @TempDir
    Path root;

    @Test
    void aPartitionedAgentStopsItsAttemptBeforeAnotherRunnerStartsTheNext() throws Exception {
        Path evidence = Files.createDirectories(root.resolve("evidence"));
        try (Cluster c = new Cluster(root, "--lease-timeout", LEASE_SECONDS + "s", "--heartbeat-interval", "1s")
                        .start();
                TcpProxy proxy = new TcpProxy(port(c.url()))) {
            RunwayProcess cutOff = c.startAgentVia(proxy.url(), "cut-off", "linux");
            JobView job = c.api()
                    .submit(aJob("deploy")
                            .labels("linux")
                            .maxAttempts(2)
                            .step(
                                    "work",
                                    "for i in $(seq 1 1200); do echo \"$(date +%s%N)\" >> " + evidence
                                            + "/attempt-$RUNWAY_ATTEMPT; sleep 0.1; done")
                            .build());
            Path first = evidence.resolve("attempt-1");
            await("attempt 1 works")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            Files.exists(first) && Files.readAllLines(first).size() >= 5);
            c.startAgent("other", "linux"); // idle until the control plane gives the job up

            long cut = System.currentTimeMillis();
            proxy.stall();
            Path second = evidence.resolve("attempt-2");
            await("attempt 2 starts on the other runner once the lease has run out")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            Files.exists(second) && !Files.readAllLines(second).isEmpty());

            long lastOfFirst = last(first);
            long firstOfSecond =
                    Long.parseLong(Files.readAllLines(second).get(0).strip()) / 1_000_000;
            System.out.printf(
                    "partition: attempt 1 last wrote %d ms after the cut, attempt 2 first wrote %d ms after it"
                            + " (lease %d s)%n",
                    lastOfFirst - cut, firstOfSecond - cut, LEASE_SECONDS);
            assertThat(lastOfFirst)
                    .as("attempt 1 stopped before the lease ran out on the control plane (cut at %d)", cut)
                    .isLessThan(cut + LEASE_SECONDS * 1000L);
            assertThat(lastOfFirst).as("the attempts never ran at once").isLessThan(firstOfSecond);
            assertThat(cutOff.output()).containsPattern("control plane unreachable for \\d+ s: attempt 1 stopped");
            JobView now = c.api().job(job.id());
            assertThat(now.attempt()).isEqualTo(2);
            assertThat(now.runnerName()).isEqualTo("other");
            assertThat(now.state()).isEqualTo(JobState.RUNNING);
            c.api().cancel(job.id());
        }
    }

    /**
     * A partition longer than the agent's margin but shorter than the lease: the agent stops the attempt, and once
     * the path heals (the attempt still current on the control plane) its spooled log says why.
     */
    @Test
    void aStoppedAttemptsLogSaysWhyOnceTheControlPlaneIsReachableAgain() throws Exception {
        try (Cluster c = new Cluster(root, "--lease-timeout", "12s", "--heartbeat-interval", "1s").start();
                TcpProxy proxy = new TcpProxy(port(c.url()))) {
            RunwayProcess cutOff = c.startAgentVia(proxy.url(), "cut-off", "linux");
            JobView job = c.api()
                    .submit(aJob("long")
                            .labels("linux")
                            .maxAttempts(2)
                            .step("work", "echo started; sleep 300")
                            .build());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> c.api().logs(job.id()).contains("started"));
            proxy.stall();
            cutOff.awaitOutput("attempt 1 stopped", Duration.ofSeconds(30));
            proxy.heal();
            await("attempt 1's log says why it stopped")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> attemptLog(c, job.id(), 1).contains("[runway] control plane unreachable for"));
            assertThat(attemptLog(c, job.id(), 1))
                    .containsPattern("\\[runway\\] control plane unreachable for \\d+ s: attempt 1 stopped");
            c.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
            await("the job is retried once its lease has run out")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().job(job.id()).attempt() == 2);
            c.api().cancel(job.id());
        }
    }

    /** Under the container executor the stopped attempt's container is removed, also before the lease ends. */
    @Test
    void aPartitionedContainerJobHasItsContainerRemovedBeforeTheLeaseEnds() throws Exception {
        try (dev.runway.agent.container.ContainerEngine engine = dev.runway.agent.container.TestEngine.require();
                Cluster c = new Cluster(root, "--lease-timeout", LEASE_SECONDS + "s", "--heartbeat-interval", "1s")
                        .start();
                TcpProxy proxy = new TcpProxy(port(c.url()))) {
            c.startAgentVia(
                    proxy.url(),
                    "boxed",
                    "linux",
                    "--executor",
                    "container",
                    "--image",
                    dev.runway.agent.container.TestEngine.IMAGE);
            JobView job = c.api()
                    .submit(aJob("boxed")
                            .labels("linux")
                            .maxAttempts(1)
                            .step("hang", "echo started; sleep 300")
                            .build());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> c.api().logs(job.id()).contains("started"));
            Map<String, String> labels = Map.of(dev.runway.agent.container.ContainerEngine.LABEL_JOB, job.id() + "-1");
            assertThat(engine.containers(labels)).hasSize(1);
            long cut = System.nanoTime();
            proxy.stall();
            await("the attempt's container is removed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> engine.containers(labels).isEmpty());
            long gone = (System.nanoTime() - cut) / 1_000_000;
            System.out.printf("partition: container removed %d ms after the cut (lease %d s)%n", gone, LEASE_SECONDS);
            assertThat(gone).isLessThan(LEASE_SECONDS * 1000L);
        }
    }

    private static String attemptLog(Cluster c, String jobId, int attempt) {
        Api.Response r = c.api()
                .call(
                        "GET",
                        dev.runway.protocol.ApiPaths.withId(dev.runway.protocol.ApiPaths.JOB_LOGS, jobId)
                                + "?offset=0&attempt=" + attempt,
                        c.adminToken(),
                        null,
                        null);
        return r.status() == 200 ? r.body() : "";
    }

    private static long last(Path file) throws java.io.IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (l.matches("\\d{19}")) return Long.parseLong(l) / 1_000_000; // a line cut by the kill is skipped
        }
        throw new AssertionError("no timestamp in " + file);
    }

    private static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }
}
