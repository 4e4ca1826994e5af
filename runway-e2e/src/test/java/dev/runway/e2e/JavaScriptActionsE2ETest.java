package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.NpmPackages;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JavaScript action built on the real {@code @actions/core} (from the npm registry, committed with its
 * node_modules as action repositories do), served by a git mirror and run by an agent process with the machine's
 * Node.js through a real control plane: inputs, outputs, a masked value, state saved for its post step.
 */
class JavaScriptActionsE2ETest {
    static final String ACTION = """
            name: count-files
            inputs:
              pattern:
                required: true
              api-key:
                default: ''
            outputs:
              count:
                description: how many files matched
            runs:
              using: node20
              main: index.js
              post: cleanup.js
            """;

    static final String MAIN = """
            const core = require('@actions/core');
            const fs = require('fs');
            const pattern = new RegExp(core.getInput('pattern', { required: true }));
            const key = core.getInput('api-key');
            core.setSecret(key);
            const files = fs.readdirSync('.').filter(f => pattern.test(f));
            core.info(`matched ${files.length} with key ${key}`);
            core.setOutput('count', String(files.length));
            core.saveState('marker', `${files.length}-files`);
            """;

    static final String CLEANUP = """
            const core = require('@actions/core');
            core.info(`cleanup after ${core.getState('marker')}`);
            """;

    static final String WORKFLOW = """
            name: js
            on: push
            jobs:
              count:
                runs-on: linux
                outputs:
                  count: ${{ steps.c.outputs.count }}
                steps:
                  - uses: actions/checkout@v4
                  - id: c
                    uses: acme/count-files@v1
                    with:
                      pattern: '\\.txt$'
                      api-key: k-58c1f0e9d2b7
                  - run: echo "the action counted ${{ steps.c.outputs.count }}, key k-58c1f0e9d2b7"
            """;

    @TempDir
    Path root;

    @Test
    void aJavaScriptActionFromAGitMirrorRunsWithItsPostStep() throws Exception {
        Path mirror = root.resolve("mirror");
        Path action = Files.createDirectories(mirror.resolve("acme/count-files.git"));
        NpmPackages.install(action, NpmPackages.ACTIONS_CORE);
        Files.writeString(action.resolve("action.yml"), ACTION);
        Files.writeString(action.resolve("index.js"), MAIN);
        Files.writeString(action.resolve("cleanup.js"), CLEANUP);
        WorkflowRunsE2ETest.git(action, "init", "-q", "-b", "main");
        commit(action);
        WorkflowRunsE2ETest.git(action, "tag", "v1");

        Path repo = Files.createDirectories(root.resolve("repo"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/js.yml"), WORKFLOW);
        for (String f : new String[] {"a.txt", "b.txt", "c.md"}) Files.writeString(repo.resolve(f), f);
        commit(repo);

        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--actions-git-base", "file://" + mirror);
            RunwayProcess cli = c.cli("submit", "-w", ".github/workflows/js.yml", "--repo", repo.toString(), "-f");
            cli.awaitExit(Duration.ofSeconds(120));
            RunView run =
                    c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
            Map<String, JobView> jobs = run.jobs().stream().collect(Collectors.toMap(JobView::name, j -> j));
            JobView count = jobs.get("count");
            String log = c.api().logs(count.id());
            assertThat(count.state()).as(log).isEqualTo(JobState.SUCCEEDED);
            assertThat(count.outputs()).containsEntry("count", "2");
            assertThat(log)
                    .contains("acme/count-files@v1 from git file://" + mirror)
                    .containsPattern("node20 action runs with Node.js v\\d+")
                    .contains("matched 2 with key ***")
                    .contains("the action counted 2, key ***")
                    .contains("cleanup after 2-files")
                    .doesNotContain("k-58c1f0e9d2b7");
            assertThat(log.indexOf("cleanup after")).isGreaterThan(log.indexOf("the action counted"));
        }
    }

    private static void commit(Path dir) throws Exception {
        WorkflowRunsE2ETest.git(dir, "add", "-A");
        WorkflowRunsE2ETest.git(
                dir, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "files");
    }
}
