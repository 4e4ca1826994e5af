package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane SIGKILLed (then restarted) or SIGSTOPped (then continued) with a job running on a real agent, for
 * longer than the lease: the job, which finished while nobody could hear it, completes once, as attempt 1 (the
 * evidence is written by the job), even when its result reaches the control plane only after the lease loop ran.
 */
class ControlPlaneOutageE2ETest {
    /**
     * Long enough that the 2 s job finishes before the agent's own deadline (the lease minus its margin, 5 s here):
     * an agent that cannot renew its lease stops a job that is still running (LeasePartitionE2ETest).
     */
    static final Duration LEASE = Duration.ofSeconds(10);

    static final String[] SETTINGS = {"--lease-timeout", "10s", "--heartbeat-interval", "1s"};
    static final Duration OUTAGE = LEASE.plusSeconds(3);

    @TempDir
    Path root;

    Path evidence;

    @Test
    void aJobThatFinishedDuringARestartLongerThanTheLeaseCompletesOnceAsAttemptOne() throws Exception {
        try (Cluster c = new Cluster(root, SETTINGS).start()) {
            RunwayProcess agent = c.startAgent("steady", "linux");
            JobView job = startRelease(c);
            c.server().kill();
            long downAt = System.nanoTime();
            awaitFinishedAndOutage(downAt);
            // the agent is frozen across the restart and thaws 2 s after the server listens, so its buffered result
            // arrives after the restarted server's lease loop has run (as it would across a slow network)
            signal(agent, "STOP");
            c.startServer();
            long backAt = System.nanoTime();
            thawLater(agent, backAt);
            assertRanOnce(c, job, "restart", downAt, backAt);
        }
    }

    @Test
    void aJobThatFinishedDuringAStallLongerThanTheLeaseCompletesOnceAsAttemptOne() throws Exception {
        try (Cluster c = new Cluster(root, SETTINGS).start()) {
            RunwayProcess agent = c.startAgent("steady", "linux");
            JobView job = startRelease(c);
            signal(c.server(), "STOP");
            long downAt = System.nanoTime();
            awaitFinishedAndOutage(downAt);
            signal(agent, "STOP");
            signal(c.server(), "CONT");
            long backAt = System.nanoTime();
            thawLater(agent, backAt);
            assertRanOnce(c, job, "stall", downAt, backAt);
        }
    }

    /** Submits a job that records its start and end and lasts 2 s (less than the lease); returns once it started. */
    JobView startRelease(Cluster c) {
        evidence = root.resolve("evidence.txt");
        JobView job = c.api()
                .submit(aJob("release")
                        .maxAttempts(2)
                        .step(
                                "work",
                                "echo \"start $RUNWAY_ATTEMPT\" >> " + evidence + "; sleep 2; echo \"end"
                                        + " $RUNWAY_ATTEMPT\" >> " + evidence)
                        .build());
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() ->
                        Files.exists(evidence) && Files.readString(evidence).contains("start 1"));
        return job;
    }

    void awaitFinishedAndOutage(long downAt) {
        await("the job finishes while the control plane is not serving")
                .atMost(Duration.ofSeconds(20))
                .until(() -> Files.readString(evidence).contains("end 1"));
        await("an outage longer than the lease")
                .atMost(OUTAGE.plusSeconds(20))
                .until(() -> Duration.ofNanos(System.nanoTime() - downAt).compareTo(OUTAGE) > 0);
    }

    static void thawLater(RunwayProcess agent, long backAt) throws Exception {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() - backAt > Duration.ofSeconds(2).toNanos());
        signal(agent, "CONT");
    }

    void assertRanOnce(Cluster c, JobView job, String fault, long downAt, long backAt) throws Exception {
        JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
        System.out.printf(
                "control plane %s %.1f s (lease %d s): the job completed %.1f s after it was back%n",
                fault, (backAt - downAt) / 1e9, LEASE.toSeconds(), (System.nanoTime() - backAt) / 1e9);
        assertThat(done.attempt()).as("not rerun").isEqualTo(1);
        assertThat(Files.readString(evidence)).isEqualTo("start 1\nend 1\n");
    }

    static void signal(RunwayProcess p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
    }
}
