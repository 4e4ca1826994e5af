package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code uses: owner/repo@ref} from a git mirror (a file:// base URL standing in for an internal mirror of
 * github.com), through a real control plane and agent process; and the local store filled by {@code runway actions
 * sync}.
 */
class ActionSourcesE2ETest {
    static final String HELLO = """
            name: hello
            inputs:
              who:
                required: true
            outputs:
              message:
                value: ${{ steps.say.outputs.message }}
            runs:
              using: composite
              steps:
                - id: say
                  shell: bash
                  run: echo "message=hello, ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
            """;

    static final String WORKFLOW = """
            name: uses
            on: push
            jobs:
              greet:
                runs-on: linux
                outputs:
                  message: ${{ steps.hi.outputs.message }}
                steps:
                  - id: hi
                    uses: acme/hello@v1
                    with:
                      who: e2e
                  - run: echo "later step saw '${{ steps.hi.outputs.message }}'"
              unknown:
                runs-on: linux
                steps:
                  - uses: acme/nope@v1
            """;

    @TempDir
    Path root;

    @Test
    void anActionFromAGitMirrorRunsAndAnUnknownOneFailsWithThePlacesTried() throws Exception {
        Path mirror = root.resolve("mirror");
        Path action = Files.createDirectories(mirror.resolve("acme/hello.git"));
        WorkflowRunsE2ETest.git(action, "init", "-q", "-b", "main");
        Files.writeString(action.resolve("action.yml"), HELLO);
        commit(action);
        WorkflowRunsE2ETest.git(action, "tag", "v1");
        String commit = WorkflowRunsE2ETest.git(action, "rev-parse", "HEAD");

        Path repo = Files.createDirectories(root.resolve("repo"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/uses.yml"), WORKFLOW);
        commit(repo);

        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--slots", "2", "--actions-git-base", "file://" + mirror);
            RunwayProcess cli = c.cli("submit", "-w", ".github/workflows/uses.yml", "--repo", repo.toString(), "-f");
            cli.awaitExit(Duration.ofSeconds(90));
            RunView run =
                    c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
            Map<String, JobView> jobs = run.jobs().stream().collect(Collectors.toMap(JobView::name, j -> j));

            JobView greet = jobs.get("greet");
            String log = c.api().logs(greet.id());
            assertThat(greet.state()).as(log).isEqualTo(JobState.SUCCEEDED);
            assertThat(greet.outputs()).containsEntry("message", "hello, e2e");
            assertThat(log).contains("later step saw 'hello, e2e'");
            assertThat(log).contains("acme/hello@v1 from git file://" + mirror + "/acme/hello.git");

            JobView unknown = jobs.get("unknown");
            assertThat(unknown.state()).isEqualTo(JobState.FAILED);
            assertThat(unknown.reason() + c.api().logs(unknown.id()))
                    .contains("uses: 'acme/nope@v1'")
                    .contains("not in ") // the agent's default local store
                    .contains("git file://" + mirror + "/acme/nope.git: ");

            // the local store: sync from any git URL, then list
            Path store = root.resolve("store");
            RunwayProcess sync = c.cli(
                    "actions",
                    "sync",
                    "acme/hello@v1",
                    "--from",
                    "file://" + mirror + "/acme/hello.git",
                    "--actions-dir",
                    store.toString());
            assertThat(sync.awaitExit(Duration.ofSeconds(60)))
                    .as(sync.output() + sync.stderr())
                    .isZero();
            assertThat(store.resolve("acme/hello/v1/action.yml")).hasContent(HELLO);
            RunwayProcess ls = c.cli("actions", "ls", "--actions-dir", store.toString());
            assertThat(ls.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(ls.output()).containsPattern("acme/hello\\s+v1\\s+" + commit);
        }
    }

    private static void commit(Path dir) throws Exception {
        WorkflowRunsE2ETest.git(dir, "add", "-A");
        WorkflowRunsE2ETest.git(
                dir, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "files");
    }
}
