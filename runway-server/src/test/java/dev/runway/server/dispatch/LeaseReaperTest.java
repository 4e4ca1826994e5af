package dev.runway.server.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.runway.protocol.JobState;
import dev.runway.server.TestClock;
import dev.runway.server.TestDatabases;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.Sql;
import dev.runway.server.store.Transition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease loop stepped by hand ({@link LeaseReaper#runOnce()}) on a clock the test moves, against a real SQLite
 * store: when an attempt is lost, what becomes of its job, and which pauses are not charged to a runner.
 */
class LeaseReaperTest {
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration SECOND = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(1_700_000_000_000L);
    Database db;
    JobStore jobs;
    RunnerRecord runner;
    LeaseReaper reaper;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        jobs = new JobStore(db);
        RunnerStore runners = new RunnerStore(db);
        String reg = runners.createRegistrationToken(clock.millis(), clock.millis() + 3_600_000, 1)
                .token();
        runner = runners.register(reg, "r1", Labels.normalise(List.of("linux")), 10, "test", clock.millis())
                .runner();
        reaper = new LeaseReaper(jobs, clock, LEASE.toMillis(), clock::monotonicMillis);
        reaper.startServing();
    }

    @AfterEach
    void close() {
        db.close();
    }

    JobRecord enqueue(int maxAttempts, Duration timeout) {
        return jobs.insert(
                "j",
                "{\"name\":\"j\"}",
                Labels.normalise(List.of("linux")),
                maxAttempts,
                timeout.toMillis(),
                clock.millis());
    }

    JobStore.Claim claim() {
        return jobs.claim(
                runner.id(), runner.name(), runner.labels(), runner.slots(), clock.millis(), LEASE.toMillis());
    }

    boolean heartbeat(JobRecord j, int attempt) {
        return jobs.heartbeat(j.id(), attempt, clock.millis(), LEASE.toMillis()) != null;
    }

    /** The loop runs once a second for {@code d}, as scheduled; every transition it made. */
    List<Transition> serve(Duration d) {
        List<Transition> out = new ArrayList<>();
        for (long t = 0; t < d.toSeconds(); t++) {
            clock.advance(SECOND);
            out.addAll(reaper.runOnce());
        }
        return out;
    }

    static String move(Transition t) {
        return t.from() + " -> " + t.to() + " (" + t.cause() + ")";
    }

    @Test
    void anAttemptIsLostOnlyOnceItsLeaseHasRunOut() {
        JobRecord j = enqueue(2, Duration.ofHours(1));
        claim();
        assertThat(serve(LEASE))
                .as("a full lease without a heartbeat is not yet past it")
                .isEmpty();
        List<Transition> lost = serve(Duration.ofSeconds(2));
        assertThat(lost).singleElement().satisfies(t -> {
            assertThat(move(t)).isEqualTo("RUNNING -> QUEUED (LEASE_EXPIRED)");
            assertThat(t.jobId()).isEqualTo(j.id());
            assertThat(t.attempt()).isEqualTo(1);
            assertThat(t.runnerId()).isEqualTo(runner.id());
            assertThat(t.at()).as("the first pass past the lease").isEqualTo(j.createdAt() + LEASE.toMillis() + 1000);
        });
    }

    @Test
    void heartbeatsKeepAnAttemptForAsLongAsTheyCome() {
        JobRecord j = enqueue(2, Duration.ofHours(1));
        claim();
        for (int i = 0; i < 10; i++) {
            assertThat(serve(Duration.ofSeconds(20))).isEmpty();
            assertThat(heartbeat(j, 1)).isTrue();
        }
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aLostJobIsRequeuedWhileItHasAttemptsLeftThenFailsAsRunnerLost() {
        JobRecord j = enqueue(3, Duration.ofHours(1));
        for (int attempt = 1; attempt <= 2; attempt++) {
            assertThat(claim().job().attempt()).isEqualTo(attempt);
            assertThat(serve(LEASE.plusSeconds(2)))
                    .extracting(LeaseReaperTest::move)
                    .containsExactly("RUNNING -> QUEUED (LEASE_EXPIRED)");
            assertThat(heartbeat(j, attempt))
                    .as("the lost attempt is fenced off")
                    .isFalse();
        }
        claim();
        List<Transition> last = serve(LEASE.plusSeconds(2));
        assertThat(last).extracting(LeaseReaperTest::move).containsExactly("RUNNING -> FAILED (LEASE_EXPIRED)");
        JobRecord failed = jobs.get(j.id());
        assertThat(failed.attempt()).isEqualTo(3);
        assertThat(failed.reason()).contains("runner lost");
        assertThat(failed.finishedAt()).isEqualTo(last.get(0).at());
    }

    @Test
    void aJobAllowedOneAttemptIsNeverRequeued() {
        enqueue(1, Duration.ofHours(1));
        claim();
        assertThat(serve(LEASE.plusSeconds(2)))
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> FAILED (LEASE_EXPIRED)");
    }

    @Test
    void aLostJobWithACancelPendingIsCancelledNotRequeued() {
        JobRecord j = enqueue(3, Duration.ofHours(1));
        claim();
        assertThat(jobs.cancel(j.id(), clock.millis())) // running: asked to stop; the runner never answers
                .isEqualTo(JobStore.CancelOutcome.REQUESTED);
        assertThat(serve(LEASE.plusSeconds(2)))
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> CANCELLED (LEASE_EXPIRED)");
    }

    @Test
    void aJobFarPastItsTimeoutIsTimedOutEvenWhileItsRunnerHeartbeats() {
        JobRecord j = enqueue(3, Duration.ofMinutes(1));
        claim();
        // the runner should stop it at one minute; the loop allows it a lease more, then ends it
        for (int i = 0; i < 4; i++) {
            assertThat(serve(Duration.ofSeconds(20))).isEmpty();
            assertThat(heartbeat(j, 1)).isTrue();
        }
        assertThat(serve(Duration.ofSeconds(11)))
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> TIMED_OUT (TIMEOUT)");
        assertThat(jobs.get(j.id()).reason()).isEqualTo("timed out (the runner did not stop it)");
    }

    @Test
    void aStallOfMoreThanHalfALeaseIsNotChargedToTheRunner() {
        JobRecord j = enqueue(2, Duration.ofHours(1));
        claim();
        assertThat(serve(Duration.ofSeconds(10))).isEmpty();
        clock.advance(LEASE.multipliedBy(3)); // SIGSTOP or a frozen VM: no pass ran, no heartbeat was answered
        assertThat(reaper.runOnce())
                .as("the pass after the stall extends, it does not reap")
                .isEmpty();
        assertThat(serve(LEASE.minusSeconds(1)))
                .as("a full lease from the stall's end")
                .isEmpty();
        assertThat(serve(Duration.ofSeconds(2)))
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> QUEUED (LEASE_EXPIRED)");
        assertThat(jobs.get(j.id()).attempt()).isEqualTo(1);
    }

    @Test
    void aPauseOfLessThanHalfALeaseIsServingTime() {
        enqueue(2, Duration.ofHours(1));
        claim();
        assertThat(serve(Duration.ofSeconds(16))).isEmpty();
        clock.advance(LEASE.dividedBy(2)); // exactly half a lease between two passes: not a stall
        assertThat(reaper.runOnce())
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> QUEUED (LEASE_EXPIRED)");
    }

    @Test
    void aWallClockStepIsNoStall() {
        JobRecord j = enqueue(2, Duration.ofHours(1));
        claim();
        assertThat(serve(Duration.ofSeconds(5))).isEmpty();
        assertThat(heartbeat(j, 1)).isTrue();
        // the wall clock is set forward by two leases, but the process did not pause (the monotonic clock says so):
        // nothing is extended, and by the wall clock the lease has run out
        clock.step(LEASE.multipliedBy(2));
        assertThat(reaper.runOnce())
                .extracting(LeaseReaperTest::move)
                .containsExactly("RUNNING -> QUEUED (LEASE_EXPIRED)");
    }

    @Test
    void aFirstPassWithoutStartServingGivesTheSameGraceAsAStart() {
        enqueue(2, Duration.ofHours(1));
        claim();
        clock.advance(LEASE.multipliedBy(4)); // the control plane was down
        LeaseReaper restarted = new LeaseReaper(jobs, clock, LEASE.toMillis(), clock::monotonicMillis);
        assertThat(restarted.runOnce()).isEmpty();
        assertThat(serve(restarted, LEASE.minusSeconds(1))).isEmpty();
        assertThat(serve(restarted, Duration.ofSeconds(2))).hasSize(1);
    }

    @Test
    void theScheduledRunSurvivesAStoreFailureAndTheOutageCountsAsAStall() {
        JobRecord j = enqueue(2, Duration.ofHours(1));
        claim();
        db.tx(c -> Sql.update(c, "ALTER TABLE attempts RENAME TO attempts_away"));
        for (int i = 0; i < 2 * LEASE.toSeconds(); i++) {
            clock.advance(SECOND);
            assertThatCode(reaper::run).as("the loop must keep its schedule").doesNotThrowAnyException();
        }
        db.tx(c -> Sql.update(c, "ALTER TABLE attempts_away RENAME TO attempts"));
        clock.advance(SECOND);
        assertThat(reaper.runOnce())
                .as("no heartbeat could be answered during the outage")
                .isEmpty();
        assertThat(heartbeat(j, 1)).isTrue();
    }

    List<Transition> serve(LeaseReaper r, Duration d) {
        List<Transition> out = new ArrayList<>();
        for (long t = 0; t < d.toSeconds(); t++) {
            clock.advance(SECOND);
            out.addAll(r.runOnce());
        }
        return out;
    }
}
