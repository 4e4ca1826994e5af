package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobState;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one path of job state changes, on a real (SQLite) store: listeners hear of committed changes only. */
class TransitionsTest {
    @TempDir
    Path dir;

    Database db;
    Transitions transitions;
    JobStore jobs;
    RunnerStore runners;
    final List<String> heard = new ArrayList<>();
    long now = 1_700_000_000_000L;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        transitions = new Transitions()
                .listen(t -> heard.add(t.from() + " -> " + t.to() + " " + t.cause() + " attempt " + t.attempt()));
        jobs = new JobStore(db, transitions);
        runners = new RunnerStore(db, transitions);
    }

    @AfterEach
    void close() {
        db.close();
    }

    RunnerRecord runner() {
        String token = runners.createRegistrationToken(now, now + 3_600_000, 1).token();
        return runners.register(token, "r", Set.of(), 1, "test", now).runner();
    }

    JobRecord enqueue(int maxAttempts) {
        return jobs.insert("j", "{}", Set.of(), maxAttempts, 60_000, now);
    }

    @Test
    void everyChangeOfAJobsLifeIsHeardInOrder() {
        RunnerRecord r = runner();
        JobRecord j = enqueue(2);
        jobs.claim(r.id(), r.name(), r.labels(), 1, now, 1000);
        jobs.expireLeases(now + 2000, 1000);
        jobs.claim(r.id(), r.name(), r.labels(), 1, now, 1000);
        jobs.complete(j.id(), 2, JobStore.Completion.of(JobState.FAILED).because("exit 1"), now);
        jobs.complete(j.id(), 2, JobStore.Completion.of(JobState.FAILED).because("exit 1"), now);
        assertThat(jobs.cancel(j.id(), now)).isEqualTo(JobStore.CancelOutcome.ALREADY_FINISHED);
        assertThat(heard)
                .as("a repeated completion and a cancel of a finished job change nothing: nothing is heard")
                .containsExactly(
                        "null -> QUEUED ENQUEUED attempt 0",
                        "QUEUED -> RUNNING CLAIMED attempt 1",
                        "RUNNING -> QUEUED LEASE_EXPIRED attempt 1",
                        "QUEUED -> RUNNING CLAIMED attempt 2",
                        "RUNNING -> FAILED COMPLETED attempt 2");
    }

    @Test
    void aCancelByRequestIsNoTransitionAndTheRunnersDeletionEndsTheJobWhenItsLeaseHasRunOut() {
        RunnerRecord r = runner();
        JobRecord j = enqueue(1);
        jobs.claim(r.id(), r.name(), r.labels(), 1, now, 1000);
        heard.clear();
        assertThat(jobs.cancel(j.id(), now)).isEqualTo(JobStore.CancelOutcome.REQUESTED);
        assertThat(heard).isEmpty();
        assertThat(runners.delete(r.id(), now))
                .as("fenced: the deleted runner may still run it")
                .isEmpty();
        assertThat(heard).isEmpty();
        assertThat(jobs.expireLeases(now + 500, 1000))
                .as("not before its lease ends")
                .isEmpty();
        assertThat(jobs.expireLeases(now + 2000, 1000))
                .extracting(Transition::to)
                .containsExactly(JobState.CANCELLED);
        assertThat(heard).containsExactly("RUNNING -> CANCELLED RUNNER_DELETED attempt 1");
    }

    @Test
    void aRolledBackTransactionIsNeverHeard() {
        JobRecord j = enqueue(1);
        heard.clear();
        assertThatThrownBy(() -> transitions.tx(db, (c, p) -> {
                    JobStore.cancel(c, p, j.id(), now, "gone", Transition.Cause.USER_CANCEL);
                    throw new IllegalStateException("then the transaction fails");
                }))
                .hasMessage("then the transaction fails");
        assertThat(heard).isEmpty();
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void aFailingListenerDoesNotKeepTheOthersFromAChange() {
        List<Transition> second = new ArrayList<>();
        Transitions both = new Transitions()
                .listen(t -> {
                    throw new IllegalStateException("a broken listener");
                })
                .listen(second::add);
        JobRecord j = new JobStore(db, both).insert("j", "{}", Set.of(), 1, 60_000, now);
        assertThat(second).extracting(Transition::jobId).containsExactly(j.id());
    }

    @Test
    void aBatchReachesAListenerAsOne() {
        List<Integer> batches = new ArrayList<>();
        transitions.listen(new TransitionListener() {
            @Override
            public void on(Transition t) {}

            @Override
            public void onAll(List<Transition> batch) {
                batches.add(batch.size());
            }
        });
        transitions.tx(db, (c, p) -> {
            for (int i = 0; i < 3; i++)
                JobStore.insert(c, p, JobStore.NewJob.queued("j" + i, "{}", Set.of(), 1, 60_000), now);
            return null;
        });
        assertThat(batches).containsExactly(3);
    }
}
