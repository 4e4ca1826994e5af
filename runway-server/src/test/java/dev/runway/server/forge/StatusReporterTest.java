package dev.runway.server.forge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.runs.RunRepository;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.TestJobRecords;
import dev.runway.server.store.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which commit a run's statuses go on: a pull request's run (on GitHub's merge commit) is reported on the pull
 * request's head, where the pull request shows it; a push run on its own commit.
 */
class StatusReporterTest {
    final List<CommitStatus> sent = new ArrayList<>();
    final StatusDelivery delivery = new StatusDelivery(sent::add, System::nanoTime);

    static RunRecord run(String event, String sha, String payload) {
        return new RunRecord(
                "r1",
                1,
                "CI",
                ".github/workflows/ci.yml",
                "",
                "/srv/app.git",
                "refs/pull/7/merge",
                sha,
                event,
                "{}",
                JobState.RUNNING,
                null,
                false,
                0,
                null,
                null,
                null,
                null,
                payload,
                1,
                null,
                null);
    }

    void report(RunRecord run) throws Exception {
        StatusReporter r = new StatusReporter(
                id -> run, x -> "acme/app", RunRepository::commit, Set.of("acme/app"), null, delivery);
        var job = TestJobRecords.of("j1", "build", JobState.RUNNING, 0, 1, null);
        r.on(new Transition("j1", "r1", 1, JobState.QUEUED, JobState.RUNNING, Transition.Cause.CLAIMED, 0, "rn", job));
        delivery.deliverOnce();
    }

    @Test
    void aPullRequestsRunIsReportedOnItsHeadNotOnTheMergeCommit() throws Exception {
        report(run(
                "pull_request",
                "m".repeat(40),
                "{\"pull_request\":{\"number\":7,\"head\":{\"sha\":\"" + "h".repeat(40) + "\"}}}"));
        assertThat(sent).singleElement().extracting(CommitStatus::sha).isEqualTo("h".repeat(40));
    }

    @Test
    void aPushRunIsReportedOnItsCommit() throws Exception {
        report(run("push", "c".repeat(40), "{\"ref\":\"refs/heads/main\"}"));
        assertThat(sent).singleElement().extracting(CommitStatus::sha).isEqualTo("c".repeat(40));
    }
}
