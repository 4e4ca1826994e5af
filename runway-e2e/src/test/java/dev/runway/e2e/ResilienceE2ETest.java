package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crashes of either side: nothing accepted is lost, nothing runs twice at once, stale attempts are fenced. */
class ResilienceE2ETest {
    static final String[] FAST_LEASE = {"--lease-timeout", "3s", "--heartbeat-interval", "1s"};

    @TempDir
    Path root;

    @Test
    void killedAgentsJobIsRequeuedAsANewAttemptOnAnotherRunner() {
        try (Cluster c = new Cluster(root, FAST_LEASE).start()) {
            RunwayProcess victim = c.startAgent("victim", "linux");
            JobView job = c.api()
                    .submit(aJob("survivor")
                            .labels("linux")
                            .maxAttempts(2)
                            .step(
                                    "work",
                                    "echo attempt $RUNWAY_ATTEMPT; if [ \"$RUNWAY_ATTEMPT\" = 1 ]; then sleep 300; fi; echo finished")
                            .build());
            c.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !victim.descendants().isEmpty());
            List<ProcessHandle> orphans = victim.descendants();

            victim.kill();
            orphans.forEach(
                    ProcessHandle
                            ::destroyForcibly); // the crashed agent's step would otherwise linger until its restart
            c.startAgent("rescuer", "linux");

            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
            assertThat(done.attempt()).isEqualTo(2);
            assertThat(done.runnerName()).isEqualTo("rescuer");
            assertThat(c.api().logs(job.id())).contains("attempt 2").contains("finished");
        }
    }

    @Test
    void killedAgentsJobFailsAsRunnerLostWhenNoAttemptsRemain() {
        try (Cluster c = new Cluster(root, FAST_LEASE).start()) {
            RunwayProcess victim = c.startAgent("victim", "linux");
            JobView job = c.api()
                    .submit(aJob("lost")
                            .maxAttempts(1)
                            .step("work", "sleep 300")
                            .build());
            c.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !victim.descendants().isEmpty());
            List<ProcessHandle> orphans = victim.descendants();
            long killedAt = System.nanoTime();

            victim.kill();
            orphans.forEach(ProcessHandle::destroyForcibly);

            JobView done = c.awaitState(job.id(), JobState.FAILED, Duration.ofSeconds(20));
            assertThat(done.reason()).contains("runner lost");
            assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void controlPlaneCrashMidJobLosesNoAcknowledgedLogByte() {
        try (Cluster c = new Cluster(root, FAST_LEASE).start()) {
            c.startAgent("steady", "linux");
            JobView job = c.api()
                    .submit(aJob("chatty")
                            .step("count", "for i in $(seq 1 40); do echo \"line $i\"; sleep 0.1; done")
                            .build());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().logs(job.id()).contains("line 5"));

            c.server().kill();
            c.startServer();

            c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            String log = c.api().logs(job.id());
            for (int i = 1; i <= 40; i++) {
                Matcher m = Pattern.compile("(?m)^line " + i + "$").matcher(log);
                assertThat(m.results().count())
                        .as("occurrences of 'line %d' in:%n%s", i, log)
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void aZombieAttemptsWritesAreRefusedAfterItsLeaseExpired() {
        try (Cluster c = new Cluster(root, FAST_LEASE).start()) {
            Api api = c.api();
            RegisterResponse zombie = api.read(
                    api.json(
                            "POST",
                            ApiPaths.RUNNERS_REGISTER,
                            null,
                            new RegisterRequest(api.registrationToken(1), "zombie", List.of("linux"), 1, "test")),
                    0,
                    RegisterResponse.class);
            JobView job = api.submit(
                    aJob("fenced").maxAttempts(2).step("s", "echo real run").build());
            Assignment first = api.read(
                    api.json("POST", ApiPaths.RUNNER_JOBS_NEXT, zombie.credential(), new PollRequest(5)),
                    200,
                    Assignment.class);
            assertThat(first.jobId()).isEqualTo(job.id());

            // the zombie never heartbeats: its lease expires and the job goes back to the queue
            await().atMost(Duration.ofSeconds(15)).until(() -> api.job(job.id()).state() == JobState.QUEUED);

            String logs = ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, job.id()) + "?offset=0";
            assertThat(api.call(
                                    "POST",
                                    logs,
                                    first.jobToken(),
                                    "application/octet-stream",
                                    "zombie output\n".getBytes(StandardCharsets.UTF_8))
                            .status())
                    .isEqualTo(409);
            assertThat(api.json(
                                    "POST",
                                    ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, job.id()),
                                    first.jobToken(),
                                    new CompleteRequest(JobState.SUCCEEDED, null, List.of()))
                            .status())
                    .isEqualTo(409);
            assertThat(api.json(
                                    "POST",
                                    ApiPaths.withId(ApiPaths.RUNNER_JOB_HEARTBEAT, job.id()),
                                    first.jobToken(),
                                    null)
                            .status())
                    .isEqualTo(409);

            c.startAgent("honest", "linux");
            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
            assertThat(done.attempt()).isEqualTo(2);
            assertThat(api.logs(job.id())).contains("real run").doesNotContain("zombie output");
        }
    }

    @Test
    void restartedAgentReusesItsCredentialAndReapsWhatItsCrashLeftBehind() throws Exception {
        try (Cluster c = new Cluster(root, FAST_LEASE).start()) {
            RunwayProcess first = c.startAgent("phoenix", "linux");
            JobView job = c.api()
                    .submit(aJob("interrupted")
                            .maxAttempts(1)
                            .step("s", "sleep 300")
                            .build());
            c.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
            // "running" is set at the claim; the step's process starts a moment later
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> first.descendants().stream()
                            .anyMatch(p -> p.info().commandLine().orElse("").contains("sleep 300")
                                    || p.info().command().orElse("").endsWith("sleep")));
            List<ProcessHandle> leftovers = first.descendants();
            assertThat(JobLifecycleE2ETest.workspaces(c.workspaces("phoenix"))).isEqualTo(1);
            // where the agent may create cgroups (root, cgroup v1 as in CI), the job has one; its restart removes it
            Path cgroups = Path.of("/sys/fs/cgroup/memory/runway");
            java.util.function.BooleanSupplier jobCgroup = () -> {
                try (var s = Files.list(cgroups)) {
                    return s.anyMatch(p -> p.getFileName().toString().endsWith(job.id() + "-1"));
                } catch (java.io.IOException e) {
                    return false;
                }
            };
            boolean measured = Files.isDirectory(cgroups) && jobCgroup.getAsBoolean();
            if ("true".equals(System.getenv("CI")))
                assertThat(measured)
                        .as("CI runs as root with cgroup v1: the job has a cgroup")
                        .isTrue();

            first.kill();
            c.startAgent("phoenix", "linux");

            await("leftover step processes reaped")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> leftovers.stream().noneMatch(ProcessHandle::isAlive));
            await("leftover workspace removed")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> JobLifecycleE2ETest.workspaces(c.workspaces("phoenix")) == 0);
            if (measured) {
                await("leftover cgroup removed").atMost(Duration.ofSeconds(15)).until(() -> !jobCgroup.getAsBoolean());
            }
            assertThat(c.api().runners().runners())
                    .filteredOn(r -> r.name().equals("phoenix"))
                    .hasSize(1);
        }
    }
}
