package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What one replica's transaction tells the others, and what they make of it. */
class JobNotificationsTest {
    static Transition t(JobState from, JobState to, String runner, List<String> labels) {
        JobRecord j = TestJobRecords.of("j", "k", to, 0, 1, null);
        j = new JobRecord(
                j.id(),
                j.name(),
                j.specJson(),
                labels,
                to,
                j.attempt(),
                j.maxAttempts(),
                j.timeoutMs(),
                runner,
                null,
                j.createdAt(),
                j.queuedAt(),
                j.startedAt(),
                j.finishedAt(),
                j.reason(),
                j.cancelRequested(),
                j.stepsJson(),
                j.runId(),
                j.jobKey(),
                j.matrixIndex(),
                j.matrixTotal(),
                j.continueOnError(),
                j.outputsJson(),
                j.annotationsJson(),
                j.usage(),
                j.runAttempt(),
                j.carriedFrom());
        return new Transition("j", null, 1, from, to, Transition.Cause.ENQUEUED, 0, runner, j);
    }

    @Test
    void jobsQueuedInOneTransactionAreCountedPerLabelSetAndAFreedConcurrencyGroupAsksForALookAtTheQueue() {
        List<String> p = JobNotifications.payloads(
                "rpA",
                List.of(
                        t(null, JobState.QUEUED, null, List.of("linux", "x64")),
                        t(null, JobState.QUEUED, null, List.of("x64", "linux")),
                        t(null, JobState.QUEUED, null, List.of("gpu")),
                        t(JobState.RUNNING, JobState.SUCCEEDED, "r1", List.of("gpu")),
                        t(JobState.RUNNING, JobState.QUEUED, "r2", List.of("gpu")),
                        t(JobState.QUEUED, JobState.RUNNING, "r3", List.of("gpu"))),
                true);
        assertThat(p).containsExactly("rpA q 2 linux,x64", "rpA q 2 gpu", "rpA q 0");
        assertThat(JobNotifications.parse("rpB", p.get(0)))
                .isEqualTo(new JobNotifications.Event.Queued(Set.of("linux", "x64"), 2));
        assertThat(JobNotifications.parse("rpB", p.get(2))).isEqualTo(new JobNotifications.Event.Queued(null, 0));
        assertThat(JobNotifications.payloads(
                        "rpA", List.of(t(JobState.RUNNING, JobState.SUCCEEDED, "r1", List.of("gpu"))), false))
                .as("an attempt that ended outside a concurrency group tells no one")
                .isEmpty();
        assertThat(JobNotifications.parse("rpB", "rpA f r1")).isNull();
        assertThat(JobNotifications.parse("rpA", p.get(0)))
                .as("its own: already heard")
                .isNull();
        assertThat(JobNotifications.parse("rpB", "rpA ? 1")).isNull();
        assertThat(JobNotifications.parse("rpB", "rpA q many x")).isNull();
    }

    @Test
    void aLabelSetTooLongForAPayloadIsSentAsLookAtTheQueue() {
        String label = "l".repeat(JobNotifications.MAX_PAYLOAD);
        List<String> p =
                JobNotifications.payloads("rpA", List.of(t(null, JobState.QUEUED, null, List.of(label))), false);
        assertThat(p).containsExactly("rpA q 1");
        assertThat(JobNotifications.parse("rpB", p.get(0))).isEqualTo(new JobNotifications.Event.Queued(null, 1));
    }
}
