package dev.runway.workflow.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GitHub's filter pattern cheat sheet and push filter rules, with its own examples. */
class PushTriggerTest {
    @Test
    void patternsFromGitHubsCheatSheet() {
        assertThat(FilterPattern.matches(List.of("feature/*"), "feature/my-branch"))
                .isTrue();
        assertThat(FilterPattern.matches(List.of("feature/*"), "feature/your/branch"))
                .isFalse();
        assertThat(FilterPattern.matches(List.of("feature/**"), "feature/your/branch"))
                .isTrue();
        assertThat(FilterPattern.matches(List.of("*"), "releases/x")).isFalse();
        assertThat(FilterPattern.matches(List.of("**"), "releases/x")).isTrue();
        assertThat(FilterPattern.matches(List.of("v2*"), "v2.1")).isTrue();
        assertThat(FilterPattern.matches(List.of("v[12].[0-9]+.[0-9]+"), "v1.10.1"))
                .isTrue();
        assertThat(FilterPattern.matches(List.of("v[12].[0-9]+.[0-9]+"), "v3.0.0"))
                .isFalse();
        assertThat(FilterPattern.matches(List.of("*.md"), "README.md")).isTrue();
        assertThat(FilterPattern.matches(List.of("*.md"), "docs/README.md")).isFalse();
        assertThat(FilterPattern.matches(List.of("**.md"), "docs/README.md")).isTrue();
        assertThat(FilterPattern.matches(List.of("docs/**"), "docs/a/b.txt")).isTrue();
        assertThat(FilterPattern.matches(List.of("*.jsx?"), "page.js")).isTrue();
        assertThat(FilterPattern.matches(List.of("*.jsx?"), "page.jsx")).isTrue();
        assertThat(FilterPattern.matches(List.of("*.jsx?"), "page.jsxx")).isFalse();
    }

    @Test
    void aNegationExcludesAndALaterPatternIncludesAgain() {
        List<String> p = List.of("releases/**", "!releases/**-alpha", "releases/**-alpha-ok");
        assertThat(FilterPattern.matches(p, "releases/10")).isTrue();
        assertThat(FilterPattern.matches(p, "releases/beta/3-alpha")).isFalse();
        assertThat(FilterPattern.matches(p, "releases/3-alpha-ok")).isTrue();
    }

    static Workflow wf(String on) {
        WorkflowParser.Result r = WorkflowParser.parse(
                "w.yml", "on:\n" + on + "\njobs:\n  a:\n    runs-on: linux\n    steps:\n      - run: echo\n");
        assertThat(r.errors()).isEmpty();
        return r.workflow();
    }

    @Test
    void branchTagAndPathFiltersAsGitHubAppliesThem() {
        Workflow any = wf("  push:");
        assertThat(PushTrigger.matches(any, "refs/heads/main", List.of())).isTrue();
        assertThat(PushTrigger.matches(any, "refs/tags/v1", List.of())).isTrue();

        Workflow branches = wf("  push:\n    branches: [main, 'releases/**']");
        assertThat(PushTrigger.matches(branches, "refs/heads/releases/1.0", List.of("a.txt")))
                .isTrue();
        assertThat(PushTrigger.matches(branches, "refs/heads/feature", List.of("a.txt")))
                .isFalse();
        assertThat(PushTrigger.matches(branches, "refs/tags/v1", List.of()))
                .as("only branch filters")
                .isFalse();

        Workflow tags = wf("  push:\n    tags: ['v*']");
        assertThat(PushTrigger.matches(tags, "refs/tags/v1.2", List.of())).isTrue();
        assertThat(PushTrigger.matches(tags, "refs/heads/main", List.of()))
                .as("only tag filters")
                .isFalse();

        Workflow ignore = wf("  push:\n    branches-ignore: ['dependabot/**']");
        assertThat(PushTrigger.matches(ignore, "refs/heads/dependabot/npm/x", List.of()))
                .isFalse();
        assertThat(PushTrigger.matches(ignore, "refs/heads/main", List.of())).isTrue();

        Workflow paths = wf("  push:\n    paths: ['src/**', '!src/**/*.md']");
        assertThat(PushTrigger.matches(paths, "refs/heads/main", List.of("docs/a.md", "src/x/Main.java")))
                .isTrue();
        assertThat(PushTrigger.matches(paths, "refs/heads/main", List.of("src/x/README.md")))
                .isFalse();
        assertThat(PushTrigger.matches(paths, "refs/heads/main", List.of()))
                .as("changes unknown: run")
                .isTrue();

        Workflow docsIgnored = wf("  push:\n    paths-ignore: ['docs/**']");
        assertThat(PushTrigger.matches(docsIgnored, "refs/heads/main", List.of("docs/a.md")))
                .isFalse();
        assertThat(PushTrigger.matches(docsIgnored, "refs/heads/main", List.of("docs/a.md", "pom.xml")))
                .isTrue();

        assertThat(PushTrigger.matches(wf("  pull_request:"), "refs/heads/main", List.of()))
                .isFalse();
    }
}
