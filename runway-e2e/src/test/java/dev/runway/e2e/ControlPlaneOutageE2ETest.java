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
 * A control plane SIGKILLed with a job running on a real agent, and restarted after more than the lease: the job,
 * which finished while nobody could hear it, completes once, as attempt 1 (the evidence is written by the job), even
 * when its result reaches the restarted server only after that server's lease loop has run.
 */
class ControlPlaneOutageE2ETest {
    static final Duration LEASE = Duration.ofSeconds(3); // ResilienceE2ETest.FAST_LEASE

    @TempDir
    Path root;

    @Test
    void aJobThatFinishedDuringAnOutageLongerThanTheLeaseCompletesOnceAsAttemptOne() throws Exception {
        Path evidence = root.resolve("evidence.txt");
        try (Cluster c = new Cluster(root, ResilienceE2ETest.FAST_LEASE).start()) {
            RunwayProcess agent = c.startAgent("steady", "linux");
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

            c.server().kill();
            long killedAt = System.nanoTime();
            await("the job finishes while the control plane is down")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> Files.readString(evidence).contains("end 1"));
            Duration outage = LEASE.plusSeconds(3);
            await("an outage longer than the lease")
                    .atMost(outage.plusSeconds(20))
                    .until(() -> Duration.ofNanos(System.nanoTime() - killedAt).compareTo(outage) > 0);
            // the agent is frozen across the restart and thaws 2 s after the server listens, so its buffered
            // result arrives after the restarted server's lease loop has run (as it would across a slow network)
            signal(agent, "STOP");
            c.startServer();
            long restartedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> System.nanoTime() - restartedAt
                            > Duration.ofSeconds(2).toNanos());
            signal(agent, "CONT");

            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            System.out.printf(
                    "control plane down %.1f s (lease %d s): the job completed %.1f s after the restart%n",
                    (restartedAt - killedAt) / 1e9, LEASE.toSeconds(), (System.nanoTime() - restartedAt) / 1e9);
            assertThat(done.attempt()).as("not rerun").isEqualTo(1);
            assertThat(Files.readString(evidence)).isEqualTo("start 1\nend 1\n");
        }
    }

    static void signal(RunwayProcess p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
    }
}
