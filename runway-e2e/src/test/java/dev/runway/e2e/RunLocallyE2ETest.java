package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `runway run` in a real git repository: embedded control plane and runner, the working tree, live output. */
class RunLocallyE2ETest {
    static final String WORKFLOW = """
            name: Local
            on: [push, workflow_dispatch]
            jobs:
              build:
                runs-on: ubuntu-latest
                outputs:
                  note: ${{ steps.n.outputs.note }}
                steps:
                  - uses: actions/checkout@v4
                  - id: n
                    run: echo "note=$(cat notes.txt)" >> "$GITHUB_OUTPUT"
                  - env:
                      FROM_ENV: ${{ secrets.API_TOKEN }}
                    run: |
                      echo "expression ${{ secrets.API_TOKEN }} env $FROM_ENV other ${{ secrets.OTHER }}"
                      test -z "$API_TOKEN"
              test:
                needs: build
                runs-on: [self-hosted, gpu]
                strategy:
                  matrix:
                    os: [linux, mac]
                steps:
                  - run: echo "testing on ${{ matrix.os }} with ${{ needs.build.outputs.note }}"
                  - run: test "${{ matrix.os }}" = linux
            """;

    @TempDir
    Path root;

    @Test
    void runsTheWorkingTreeAndReportsFailure() throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/local.yml"), WORKFLOW);
        Files.writeString(repo.resolve("notes.txt"), "committed");
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        Files.writeString(repo.resolve("notes.txt"), "uncommitted"); // the working tree wins

        Path secretFile = root.resolve("secrets.env");
        Files.writeString(secretFile, "# local secrets\nAPI_TOKEN=\"s3cr3t-value\"\n");
        RunwayProcess all = run(
                repo,
                "--data-dir",
                root.resolve("data").toString(),
                "--secret-file",
                secretFile.toString(),
                "--secret",
                "OTHER=other-value");
        assertThat(all.awaitExit(Duration.ofSeconds(120))).as(all.output()).isEqualTo(1);
        assertThat(all.output())
                .contains("[build] \u2714 Run actions/checkout@v4")
                .contains("expression *** env *** other ***")
                .doesNotContain("s3cr3t-value")
                .doesNotContain("other-value")
                .contains("[test (linux)] testing on linux with uncommitted")
                .contains("[test (mac)] testing on mac with uncommitted")
                .contains("\u2718 test (mac) failed")
                .contains("run failed")
                .doesNotContain("\u001b["); // not a terminal: plain output

        RunwayProcess one = run(
                repo,
                "--job",
                "test",
                "--matrix",
                "os:linux",
                "--data-dir",
                root.resolve("data").toString());
        assertThat(one.awaitExit(Duration.ofSeconds(120))).as(one.output()).isZero();
        assertThat(one.output())
                .contains("[test (linux)] testing on linux with uncommitted")
                .doesNotContain("test (mac)")
                .contains("run succeeded");

        RunwayProcess unknown =
                run(repo, "--job", "deploy", "--data-dir", root.resolve("data").toString());
        assertThat(unknown.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(unknown.output()).contains("the workflow has no job 'deploy' (its jobs: build, test)");
    }

    @Test
    void aMalformedSecretFileIsRefusedWithItsLine() throws Exception {
        Path bad = root.resolve("bad.env");
        Files.writeString(bad, "OK=1\n9BAD=2\n");
        RunwayProcess p = run(
                root,
                "--secret-file",
                bad.toString(),
                "--data-dir",
                root.resolve("data").toString());
        assertThat(p.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(p.output()).contains(bad + ":2: '9BAD' is not a valid secret name");
    }

    @Test
    void outsideAGitRepositoryItSaysSo() {
        RunwayProcess p = run(root, "--data-dir", root.resolve("data").toString());
        assertThat(p.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(p.output()).contains("runway run works in a git repository").doesNotContain("Exception");
    }

    private RunwayProcess run(Path cwd, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("run"));
        cmd.addAll(List.of(args));
        return RunwayProcess.start(root.resolve("logs"), "run", Map.of(), cmd, cwd);
    }
}
