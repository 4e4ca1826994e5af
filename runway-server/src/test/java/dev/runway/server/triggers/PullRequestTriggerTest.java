package dev.runway.server.triggers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** on.pull_request / on.pull_request_target filters as GitHub documents them, on parsed workflows. */
class PullRequestTriggerTest {
    static Workflow wf(String on) {
        WorkflowParser.Result r = WorkflowParser.parse(
                "ci.yml", "on:\n" + on.indent(2) + "jobs:\n  b: {runs-on: linux, steps: [{run: make}]}\n");
        assertThat(r.errors()).as(on).isEmpty();
        return r.workflow();
    }

    static boolean matches(Workflow wf, String action, String base, String... changed) {
        return PullRequestTrigger.matches(wf, "pull_request", action, base, List.of(changed));
    }

    @Test
    void withoutTypesOnlyOpenedSynchronizeAndReopenedStartARun() {
        Workflow wf = wf("pull_request:");
        assertThat(matches(wf, "opened", "main")).isTrue();
        assertThat(matches(wf, "synchronize", "main")).isTrue();
        assertThat(matches(wf, "reopened", "main")).isTrue();
        for (String other : List.of("closed", "labeled", "edited", "assigned", "ready_for_review"))
            assertThat(matches(wf, other, "main")).as(other).isFalse();
        // the scalar and list forms of on: have no filters either
        assertThat(matches(wf("[push, pull_request]"), "synchronize", "dev")).isTrue();
        assertThat(matches(wf("[push, pull_request]"), "closed", "dev")).isFalse();
    }

    @Test
    void typesReplaceTheDefaults() {
        Workflow wf = wf("pull_request:\n  types: [closed, labeled]");
        assertThat(matches(wf, "closed", "main")).isTrue();
        assertThat(matches(wf, "labeled", "main")).isTrue();
        assertThat(matches(wf, "opened", "main")).isFalse();
        assertThat(matches(wf("pull_request:\n  types: opened"), "opened", "main"))
                .isTrue();
    }

    @Test
    void branchesFilterTheBaseBranch() {
        Workflow releases = wf("pull_request:\n  branches: ['releases/**', main]");
        assertThat(matches(releases, "opened", "releases/1.x/hotfix")).isTrue();
        assertThat(matches(releases, "opened", "main")).isTrue();
        assertThat(matches(releases, "opened", "dev")).isFalse();
        Workflow ignore = wf("pull_request:\n  branches-ignore: ['wip/*']");
        assertThat(matches(ignore, "opened", "wip/x")).isFalse();
        assertThat(matches(ignore, "opened", "main")).isTrue();
        Workflow negated = wf("pull_request:\n  branches: ['releases/**', '!releases/**-alpha']");
        assertThat(matches(negated, "opened", "releases/2.0")).isTrue();
        assertThat(matches(negated, "opened", "releases/2.0-alpha")).isFalse();
    }

    @Test
    void pathsFilterTheChangedFilesAndBothFiltersMustHold() {
        Workflow js = wf("pull_request:\n  types: [opened]\n  branches: ['releases/**']\n  paths: ['**.js']");
        assertThat(matches(js, "opened", "releases/1", "src/app.js", "README.md"))
                .isTrue();
        assertThat(matches(js, "opened", "releases/1", "README.md")).isFalse();
        assertThat(matches(js, "opened", "main", "src/app.js"))
                .as("paths match, branches do not")
                .isFalse();
        assertThat(matches(js, "opened", "releases/1"))
                .as("changed files unknown: runs")
                .isTrue();
        Workflow docs = wf("pull_request:\n  paths-ignore: ['docs/**']");
        assertThat(matches(docs, "opened", "main", "docs/a.md", "docs/b/c.md")).isFalse();
        assertThat(matches(docs, "opened", "main", "docs/a.md", "src/x")).isTrue();
        assertThat(PullRequestTrigger.filtersPaths(docs, "pull_request")).isTrue();
        assertThat(PullRequestTrigger.filtersPaths(docs, "pull_request_target")).isFalse();
    }

    @Test
    void eachEventHasItsOwnFilters() {
        Workflow wf = wf("pull_request:\n  branches: [main]\npull_request_target:\n  types: [labeled]");
        assertThat(PullRequestTrigger.matches(wf, "pull_request", "opened", "main", List.of()))
                .isTrue();
        assertThat(PullRequestTrigger.matches(wf, "pull_request_target", "opened", "main", List.of()))
                .isFalse();
        assertThat(PullRequestTrigger.matches(wf, "pull_request_target", "labeled", "dev", List.of()))
                .isTrue();
        assertThat(PullRequestTrigger.matches(wf("push:"), "pull_request", "opened", "main", List.of()))
                .isFalse();
    }
}
