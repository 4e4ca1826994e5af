package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.RunwayAgent.Pass;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.registration.Credentials;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.StepSpec;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's poll loop one pass at a time ({@link RunwayAgent#pollOnce}), against an in-memory control plane (its
 * runner calls and its attempt calls apart), with the backoff's waits recorded instead of slept, the wall clock and
 * the free disk space set by the test. What the loop does across a real control plane (crash, failover, drain) is
 * the end-to-end suite's.
 */
class RunwayAgentTest {
    @TempDir
    Path dir;

    final FakeRunner runner = new FakeRunner();
    final FakeJobCalls jobs = new FakeJobCalls();
    /** What the backoffs waited, in order (each wait is its ceiling: the random pick is the largest). */
    final List<Duration> waited = new CopyOnWriteArrayList<>();

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-06-01T12:00:00Z"));
    final AtomicLong freeBytes = new AtomicLong(Long.MAX_VALUE);
    /** What the stand-in executor does with a job; by default it writes a line and succeeds. */
    volatile Executor executor = (spec, workspace, env, out, control, api, secrets) -> {
        out.line("hello from " + spec.name());
        return new Executor.Outcome(JobState.SUCCEEDED, null, List.of());
    };

    static final RandomGenerator LARGEST = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    Clock clock() {
        return new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
    }

    Path credentialFile() {
        return dir.resolve("credential.json");
    }

    RunwayAgent agent(boolean ephemeral, String registrationToken) {
        AgentConfig config = new AgentConfig(
                URI.create("http://control-plane:8420"),
                registrationToken,
                "r1",
                List.of("linux"),
                dir.resolve("work"),
                credentialFile(),
                1,
                ephemeral,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30));
        return new RunwayAgent(
                config,
                runner,
                jobs,
                Map.of("PATH", System.getenv("PATH")),
                new RunwayAgent.Seams(
                        () -> new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), LARGEST, waited::add),
                        clock(),
                        p -> freeBytes.get(),
                        Duration.ofMillis(10)));
    }

    /** An agent that has its saved credential, issued now for a day, and one slot to step. */
    RunwayAgent signedIn(boolean ephemeral) throws IOException {
        new Credentials(
                        "http://control-plane:8420",
                        "rn_1",
                        "r1",
                        "rwr_old",
                        now.get(),
                        now.get().plus(Duration.ofDays(1)))
                .save(credentialFile());
        RunwayAgent agent = agent(ephemeral, null);
        assertThat(agent.signIn()).isTrue();
        return agent;
    }

    RunwayAgent.Slot slot(RunwayAgent agent) {
        return agent.slot(
                (spec, workspace, env, out, control, api, secrets) ->
                        executor.run(spec, workspace, env, out, control, api, secrets),
                Map.of("RUNNER_NAME", "r1"));
    }

    static Assignment assignment(String jobId) {
        return new Assignment(
                jobId,
                1,
                "rwj_" + jobId,
                new JobSpec("build", List.of("linux"), Map.of(), List.of(), null, 1),
                0, // no lease: no watchdog in these tests (AttemptLeaseTest has it)
                5);
    }

    String metrics(RunwayAgent agent) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init()
                .getPrometheusTextFormatWriter()
                .write(out, agent.metrics().registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anEmptyPollIsIdleAndHealthIsReportedOnceNotEveryPass() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(FakeRunner.NOTHING);
        runner.polls.add(FakeRunner.NOTHING);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.IDLE);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.IDLE);
        assertThat(runner.polledWith).containsExactly("rwr_old", "rwr_old");
        assertThat(runner.health).hasSize(1);
        assertThat(runner.health.getFirst().healthy()).isTrue();
        assertThat(jobs.completions).isEmpty();
        assertThat(waited).isEmpty();
    }

    @Test
    void anAssignmentIsRunToItsEndWithItsJobTokenAndCounted() throws Exception {
        RunwayAgent agent = signedIn(false);
        runner.polls.add(assignment("j1"));
        assertThat(agent.pollOnce(slot(agent))).isEqualTo(Pass.RAN_JOB);

        assertThat(jobs.completions)
                .singleElement()
                .satisfies(c -> assertThat(c.result()).isEqualTo(JobState.SUCCEEDED));
        assertThat(jobs.log()).contains("hello from build\n").endsWith("[runway] job succeeded\n");
        assertThat(jobs.tokens).as("an attempt's calls carry its job token").containsOnly("rwj_j1");
        assertThat(dir.resolve("work/runway/j1-1"))
                .as("its workspace is removed")
                .doesNotExist();
        assertThat(metrics(agent)).contains("runway_agent_jobs_finished_total{outcome=\"succeeded\"} 1.0");
    }

    static Assignment leased(String jobId, int leaseSeconds) {
        return new Assignment(
                jobId,
                1,
                "rwj_" + jobId,
                new JobSpec("build", List.of("linux"), Map.of(), List.of(), null, 1),
                leaseSeconds,
                1);
    }

    /**
     * Chaos run, control plane SIGKILL on PostgreSQL: an answer to a poll arrived 7.5 s after the claim, the agent
     * counted the 8 s lease from the arrival and ran the attempt 3.7 s past the control plane's expiry, beside the
     * next attempt on another runner. The lease runs from the poll's sending: an assignment that comes after its
     * lease ran out asks first, and runs nothing when the control plane has let it go.
     */
    @Test
    void anAssignmentArrivingAfterItsLeaseRanOutRunsNothing() throws Exception {
        RunwayAgent agent = signedIn(false);
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        executor = (spec, workspace, env, out, control, api, secrets) -> {
            ran.set(true);
            return new Executor.Outcome(JobState.SUCCEEDED, null, List.of());
        };
        runner.answerDelayMillis = 2_500; // past half of a 4 s lease, and past its end less the agent's margin
        runner.leasesRefused = true; // meanwhile the control plane requeued it
        runner.polls.add(leased("j1", 4));
        assertThat(agent.pollOnce(slot(agent))).isEqualTo(Pass.RAN_JOB);
        assertThat(ran)
                .as("the step of a job whose lease ran out must not start")
                .isFalse();
        assertThat(runner.renewals).as("it asked before starting").isNotEmpty();
        assertThat(jobs.completions).as("nothing is reported for it").isEmpty();
    }

    @Test
    void aSlowAnswerWhoseLeaseStillHoldsIsRenewedFirstAndRuns() throws Exception {
        RunwayAgent agent = signedIn(false);
        java.util.List<Integer> renewalsWhenStepRan = new CopyOnWriteArrayList<>();
        executor = (spec, workspace, env, out, control, api, secrets) -> {
            renewalsWhenStepRan.add(runner.renewals.size());
            out.line("hello from " + spec.name());
            return new Executor.Outcome(JobState.SUCCEEDED, null, List.of());
        };
        runner.answerDelayMillis = 2_500;
        runner.polls.add(leased("j1", 4));
        assertThat(agent.pollOnce(slot(agent))).isEqualTo(Pass.RAN_JOB);
        assertThat(renewalsWhenStepRan)
                .singleElement()
                .satisfies(n -> assertThat(n).isPositive());
        assertThat(jobs.completions)
                .singleElement()
                .satisfies(c -> assertThat(c.result()).isEqualTo(JobState.SUCCEEDED));
    }

    /** One row per poll answer: the pass it makes and the wait after it (the backoff doubles; an answer resets it). */
    @Test
    void failedPollsBackOffLongerEachTimeAndAnAnswerStartsOver() throws Exception {
        record Row(Object answer, Pass pass, Long waitMillis) {}
        List<Row> table = List.of(
                new Row(new ConnectException("connection refused"), Pass.BACKED_OFF, 250L),
                new Row(new ServerException(503, "unavailable", "draining", ""), Pass.BACKED_OFF, 500L),
                new Row(new ServerException(404, "not_found", "no such runner route", ""), Pass.BACKED_OFF, 1000L),
                new Row(new IllegalStateException("a bug"), Pass.BACKED_OFF, 2000L),
                new Row(FakeRunner.NOTHING, Pass.IDLE, null),
                new Row(new IOException("reset"), Pass.BACKED_OFF, 250L),
                new Row(new IOException("reset"), Pass.BACKED_OFF, 500L),
                new Row(assignment("j1"), Pass.RAN_JOB, null),
                new Row(new IOException("reset"), Pass.BACKED_OFF, 250L));
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        List<Duration> expectedWaits = new ArrayList<>();
        for (Row row : table) {
            runner.polls.add(row.answer());
            if (row.waitMillis() != null) expectedWaits.add(Duration.ofMillis(row.waitMillis()));
            assertThat(agent.pollOnce(slot)).as("after %s", row.answer()).isEqualTo(row.pass());
            assertThat(waited).as("after %s", row.answer()).containsExactlyElementsOf(expectedWaits);
        }
        assertThat(agent.exitCode()).isEqualTo(RunwayAgent.EXIT_OK);
    }

    @Test
    void aRefusedCredentialStopsTheAgentWithExitCode2AndNoRetry() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(new ServerException(401, "unauthorized", "runner was deleted", ""));
        runner.polls.add(FakeRunner.NOTHING);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.STOP);
        assertThat(agent.exitCode())
                .isEqualTo(RunwayAgent.EXIT_CREDENTIAL_REJECTED)
                .isEqualTo(2);
        assertThat(agent.pollOnce(slot)).as("the other slots stop too").isEqualTo(Pass.STOP);
        assertThat(runner.polledWith).hasSize(1);
        assertThat(waited).isEmpty();
    }

    @Test
    void anEphemeralAgentStopsAfterItsOneJob() throws Exception {
        RunwayAgent agent = signedIn(true);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(assignment("j1"));
        runner.polls.add(assignment("j2"));
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.STOP);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.STOP);
        assertThat(jobs.completions).hasSize(1);
        assertThat(runner.polledWith).hasSize(1);
        assertThat(agent.exitCode()).isEqualTo(RunwayAgent.EXIT_OK);
    }

    @Test
    void aStoppingAgentPollsNoMore() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(assignment("j1"));
        agent.shutdown();
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.STOP);
        assertThat(runner.polledWith).isEmpty();
        assertThat(runner.released).as("nothing was held, but it asked").containsExactly("rwr_old");
    }

    @Test
    void aShutdownReleasesTheHeldPollInsteadOfCuttingIt() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        Thread loop = Thread.ofVirtual().start(() -> agent.slotLoop(slot));
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.held.availablePermits() == 1);
        agent.shutdown();
        assertThat(loop.join(Duration.ofSeconds(10))).isTrue();
        assertThat(runner.released).containsExactly("rwr_old");
        assertThat(runner.interrupted).as("answered, not cut").hasValue(0);
    }

    @Test
    void aPollThatRacedTheReleaseIsReleasedAgain() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.releasesIgnored = 1; // the poll reached the control plane after the first release
        Thread loop = Thread.ofVirtual().start(() -> agent.slotLoop(slot));
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.held.availablePermits() == 1);
        agent.shutdown();
        assertThat(loop.join(Duration.ofSeconds(10))).isTrue();
        assertThat(runner.released).containsExactly("rwr_old", "rwr_old");
        assertThat(runner.interrupted).hasValue(0);
    }

    @Test
    void aShutdownThatCannotReachTheControlPlaneInterruptsThePoll() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.releaseFailure = new ConnectException("connection refused");
        Thread loop = Thread.ofVirtual().start(() -> agent.slotLoop(slot));
        await().atMost(Duration.ofSeconds(10)).until(() -> runner.held.availablePermits() == 1);
        agent.shutdown();
        assertThat(loop.join(Duration.ofSeconds(10))).isTrue();
        assertThat(runner.interrupted).hasValue(1);
        assertThat(waited)
                .as("an interrupted poll is no failure to back off from")
                .isEmpty();
    }

    @Test
    void aCredentialHalfWayThroughItsLifeIsRotatedAndSavedBeforeThePoll() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(FakeRunner.NOTHING);
        runner.polls.add(FakeRunner.NOTHING);
        runner.polls.add(FakeRunner.NOTHING);

        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.IDLE);
        assertThat(runner.rotatedWith).as("not due yet").isEmpty();

        now.set(now.get().plus(Duration.ofHours(12)));
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.IDLE);
        assertThat(runner.rotatedWith)
                .as("due, but the control plane cannot be reached")
                .containsExactly("rwr_old");

        runner.rotation = new RegisterResponse.Rotated("rwr_new", now.get().plus(Duration.ofDays(1)));
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.IDLE);
        assertThat(runner.rotatedWith).containsExactly("rwr_old", "rwr_old");
        assertThat(runner.polledWith).containsExactly("rwr_old", "rwr_old", "rwr_new");
        assertThat(Credentials.load(credentialFile()).credential()).isEqualTo("rwr_new");
    }

    @Test
    void aFullDiskTakesNoJobAndTheAgentSaysSoUntilThereIsSpaceAgain() throws Exception {
        RunwayAgent agent = signedIn(false);
        RunwayAgent.Slot slot = slot(agent);
        runner.polls.add(assignment("j1"));
        freeBytes.set(1);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.NO_DISK);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.NO_DISK);
        assertThat(runner.polledWith).isEmpty();
        assertThat(runner.health).singleElement().satisfies(h -> {
            assertThat(h.healthy()).isFalse();
            assertThat(h.reason()).contains("free");
        });
        freeBytes.set(Long.MAX_VALUE);
        assertThat(agent.pollOnce(slot)).isEqualTo(Pass.RAN_JOB);
        assertThat(runner.health).hasSize(2);
        assertThat(runner.health.get(1).healthy()).isTrue();
    }

    @Test
    void withoutACredentialTheAgentRegistersRetryingWhatMayPassAndSavesIt() throws Exception {
        runner.registrations.add(new ConnectException("connection refused"));
        runner.registrations.add(new ServerException(503, "unavailable", "starting", ""));
        runner.registrations.add(new RegisterResponse(
                "rn_7", "r1", List.of("linux"), "rwr_fresh", now.get().plus(Duration.ofDays(30))));
        RunwayAgent agent = agent(false, "rwreg_token");
        assertThat(agent.signIn()).isTrue();
        assertThat(runner.registered).hasSize(3).allSatisfy(r -> {
            assertThat(r.token()).isEqualTo("rwreg_token");
            assertThat(r.name()).isEqualTo("r1");
            assertThat(r.labels()).containsExactly("linux");
        });
        assertThat(waited).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500));
        Credentials saved = Credentials.load(credentialFile());
        assertThat(saved.credential()).isEqualTo("rwr_fresh");
        assertThat(saved.issuedAt()).isEqualTo(now.get());
        assertThat(Files.getPosixFilePermissions(credentialFile()))
                .containsExactlyInAnyOrder(
                        java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }

    @Test
    void aRefusedRegistrationOrNoTokenAtAllIsNoStart() {
        runner.registrations.add(new ServerException(403, "forbidden", "registration token expired", ""));
        assertThat(agent(false, "rwreg_old").signIn()).isFalse();
        assertThat(runner.registered).hasSize(1);
        assertThat(agent(false, null).signIn()).isFalse();
        assertThat(runner.registered).as("nothing to register with").hasSize(1);
        assertThat(waited).isEmpty();
    }

    /** The whole of {@link RunwayAgent#run()} once, with the real executor on the host: one job, then deregistered. */
    @Test
    void anEphemeralRunnerRunsOneRealJobDeregistersAndExitsCleanly() throws Exception {
        new Credentials(
                        "http://control-plane:8420",
                        "rn_1",
                        "r1",
                        "rwr_old",
                        now.get(),
                        now.get().plus(Duration.ofDays(1)))
                .save(credentialFile());
        runner.polls.add(new Assignment(
                "j1",
                1,
                "rwj_j1",
                new JobSpec(
                        "build",
                        List.of("linux"),
                        Map.of(),
                        List.of(new StepSpec("greet", "echo \"hi from $RUNNER_NAME\"", Map.of(), null, null, null)),
                        60,
                        1),
                0,
                5));
        RunwayAgent agent = agent(true, null);
        Thread run = Thread.ofVirtual().start(() -> exit.set(agent.run()));
        assertThat(agent.awaitStopped(60, TimeUnit.SECONDS)).isTrue();
        run.join(Duration.ofSeconds(10));
        assertThat(exit.get()).isEqualTo(RunwayAgent.EXIT_OK);
        assertThat(jobs.completions)
                .singleElement()
                .satisfies(c -> assertThat(c.result()).isEqualTo(JobState.SUCCEEDED));
        assertThat(jobs.log()).contains("hi from r1");
        assertThat(runner.deregistered).containsExactly("rwr_old");
        assertThat(credentialFile()).doesNotExist();
    }

    final AtomicReference<Integer> exit = new AtomicReference<>();
}
