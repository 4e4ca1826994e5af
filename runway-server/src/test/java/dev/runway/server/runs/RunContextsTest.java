package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.RunRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event payload actions read (dorny/paths-filter, @actions/github's context) from what a run records. */
class RunContextsTest {
    static RunRecord run(String event, String ref) {
        return new RunRecord(
                "r1",
                7,
                "ci",
                ".github/workflows/ci.yml",
                "",
                "/srv/git/acme/app.git",
                ref,
                "a".repeat(40),
                event,
                "{}",
                JobState.QUEUED,
                null,
                false,
                0,
                null,
                null,
                null,
                null,
                null,
                1,
                null,
                null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPushPayloadHasWhatChangeDetectionActionsRead() {
        Map<String, Object> e = RunContexts.event(run("push", "refs/heads/release"), "refs/heads/release");
        assertThat(e)
                .containsEntry("ref", "refs/heads/release")
                .containsEntry("before", RunContexts.NULL_SHA)
                .containsEntry("after", "a".repeat(40))
                .containsEntry("head_commit", Map.of("id", "a".repeat(40)));
        Map<String, Object> repo = (Map<String, Object>) e.get("repository");
        assertThat(repo)
                .containsEntry("full_name", "acme/app")
                .containsEntry("name", "app")
                .containsEntry("default_branch", "release")
                .containsEntry("clone_url", "/srv/git/acme/app.git");
        assertThat((Map<String, Object>) repo.get("owner")).containsEntry("login", "acme");
        assertThat((Map<String, Object>) e.get("pusher")).containsEntry("login", "runway");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDispatchHasItsInputsAndNoPushFields() {
        Map<String, Object> e = RunContexts.event(run("workflow_dispatch", "refs/tags/v1"), "refs/tags/v1");
        assertThat(e).containsKey("inputs").doesNotContainKeys("before", "pusher");
        assertThat((Map<String, Object>) e.get("repository")).containsEntry("default_branch", "main");
    }

    @Test
    void aScheduledRunHasItsCronAsEventScheduleAndNoPushFields() {
        RunRecord r = run("schedule", "refs/heads/main");
        RunRecord scheduled = new RunRecord(
                r.id(),
                r.number(),
                r.name(),
                r.workflowPath(),
                r.workflowText(),
                r.repo(),
                r.ref(),
                r.sha(),
                r.event(),
                r.inputsJson(),
                r.state(),
                r.reason(),
                r.cancelRequested(),
                r.createdAt(),
                r.finishedAt(),
                r.optionsJson(),
                r.concurrencyGroup(),
                r.calleesJson(),
                "{\"schedule\":\"*/15 * * * *\"}",
                1,
                null,
                null);
        Map<String, Object> e = RunContexts.event(scheduled, "refs/heads/main");
        assertThat(e)
                .containsEntry("schedule", "*/15 * * * *")
                .containsEntry("ref", "refs/heads/main")
                .doesNotContainKeys("before", "pusher", "inputs");
        assertThat(RunContexts.event(r, "refs/heads/main")).doesNotContainKey("schedule");
    }
}
