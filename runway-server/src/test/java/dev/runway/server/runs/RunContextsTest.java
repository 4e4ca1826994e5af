package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.store.RunRecord;
import dev.runway.workflow.expr.Templates;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event payload actions read (dorny/paths-filter, @actions/github's context) from what a run records. */
class RunContextsTest {
    static RunRecord run(String event, String ref) {
        return run(event, ref, "{}", null);
    }

    /** A run of {@code event} at {@code ref} with inputs {@code inputsJson} and recorded payload {@code eventJson}. */
    static RunRecord run(String event, String ref, String inputsJson, String eventJson) {
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
                inputsJson,
                JobState.QUEUED,
                null,
                false,
                0,
                null,
                null,
                null,
                null,
                eventJson,
                1,
                null,
                null);
    }

    static final String PULL_REQUEST = """
            {"action": "synchronize", "number": 42,
             "pull_request": {"number": 42, "title": "Faster builds",
               "head": {"ref": "feature/fast", "sha": "%s", "repo": {"full_name": "mallory/app"}},
               "base": {"ref": "main", "sha": "%s", "repo": {"full_name": "acme/app"}}},
             "repository": {"full_name": "acme/app", "default_branch": "main"},
             "sender": {"login": "mallory"}}
            """.formatted("b".repeat(40), "c".repeat(40));

    @SuppressWarnings("unchecked")
    static Map<String, Object> github(RunRecord run) {
        return (Map<String, Object>) Templates.toJava(RunContexts.github(run, null));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPullRequestRunHasTheDeliveredPayloadAndGitHubsRefsAndBranches() throws Exception {
        RunRecord run = run("pull_request", "refs/pull/42/merge", "{}", PULL_REQUEST);
        Map<String, Object> g = github(run);
        // as GitHub documents them for pull_request: the merge ref, its short name, the pull request's branches
        assertThat(g)
                .containsEntry("event_name", "pull_request")
                .containsEntry("ref", "refs/pull/42/merge")
                .containsEntry("ref_name", "42/merge")
                .containsEntry("sha", "a".repeat(40))
                .containsEntry("head_ref", "feature/fast")
                .containsEntry("base_ref", "main")
                .containsEntry("actor", "mallory")
                .containsEntry("triggering_actor", "mallory");
        Map<String, Object> event = RunContexts.event(run, run.ref());
        // exactly what was delivered: nothing of the push-shaped payload Runway builds for runs it starts itself
        assertThat(event)
                .isEqualTo(dev.runway.protocol.Json.lenient().readValue(PULL_REQUEST, Map.class))
                .doesNotContainKeys("before", "after", "ref", "head_commit", "pusher");
        assertThat(((Map<String, Object>) event.get("pull_request")).get("number"))
                .isEqualTo(42);
    }

    @Test
    void aPullRequestTargetRunIsOnTheBaseBranchWithTheSameBranches() {
        Map<String, Object> g = github(run("pull_request_target", "refs/heads/main", "{}", PULL_REQUEST));
        assertThat(g)
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("ref_name", "main")
                .containsEntry("head_ref", "feature/fast")
                .containsEntry("base_ref", "main");
    }

    @Test
    void headAndBaseRefAreEmptyForOtherEventsAndTheActorIsRunwayWithoutASender() {
        Map<String, Object> push = github(run("push", "refs/heads/main"));
        assertThat(push)
                .containsEntry("head_ref", "")
                .containsEntry("base_ref", "")
                .containsEntry("actor", "runway");
        Map<String, Object> delivered = github(
                run("push", "refs/heads/main", "{}", "{\"ref\":\"refs/heads/main\",\"sender\":{\"login\":\"ada\"}}"));
        assertThat(delivered).containsEntry("actor", "ada").containsEntry("head_ref", "");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDispatchsEventInputsAreItsCheckedInputsAsStrings() {
        String inputs = "{\"level\":\"debug\",\"dry\":true,\"count\":3}";
        // from Runway's API: no payload; from a webhook: the delivered one, whose own inputs do not count
        for (String payload : new String[] {
            null, "{\"ref\":\"refs/heads/main\",\"workflow\":\".github/workflows/ci.yml\",\"inputs\":{\"x\":\"y\"}}"
        }) {
            Map<String, Object> e =
                    RunContexts.event(run("workflow_dispatch", "refs/heads/main", inputs, payload), "refs/heads/main");
            assertThat((Map<String, Object>) e.get("inputs"))
                    .as("payload %s", payload)
                    .isEqualTo(Map.of("level", "debug", "dry", "true", "count", "3"));
            assertThat(e).containsEntry("workflow", ".github/workflows/ci.yml");
        }
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
