package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `runway run`'s plan views (--list, --graph, --dry-run), its files (--env-file, --var-file, --secret-file,
 * --eventpath) and defaults files (.runwayrc), through the real command: a `runway` JVM started in a git repository.
 */
class RunCommandTest {
    static final String WORKFLOW = """
            name: CI
            on: [push, workflow_dispatch]
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - run: echo "OUT greeting=[$GREETING] other=[$OTHER] region=[${{ vars.REGION }}] tier=[${{ vars.TIER }}]"
              lint:
                runs-on: [self-hosted, linux]
                steps: [{run: echo lint}]
              test:
                needs: build
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    os: [linux, mac]
                    java: [17, 21]
                steps: [{run: echo test}]
              deploy:
                needs: [test, lint]
                if: github.ref == 'refs/heads/main'
                runs-on: ubuntu-latest
                steps: [{run: echo deploy}]
            """;

    @TempDir
    Path tmp;

    Path repo;
    Path home;

    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeEach
    void repository() throws Exception {
        repo = Files.createDirectories(tmp.resolve("repo"));
        home = Files.createDirectories(tmp.resolve("home"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
        Files.writeString(
                repo.resolve(".github/workflows/nightly.yml"),
                "on: push\njobs:\n  sweep: {runs-on: x, steps: [{run: echo}]}\n");
        git("init", "-q", "-b", "main");
        git("add", "-A");
        git("-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
    }

    void git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    /** `runway ARGS` in the repository, its home directory {@code home}; waits for it to exit. */
    Result runway(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Duser.home=" + home);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.runway.cli.Main");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".log");
        Path err = Files.createTempFile(tmp, "err", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RUNWAY_"));
        pb.environment().put("HOME", home.toString());
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("runway " + String.join(" ", args) + " did not exit: " + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A refusal is one line starting with `runway:`, exit code not 0, and never a stack trace. */
    static void refused(Result r, String message) {
        assertThat(r.code()).as(r.all()).isNotZero();
        assertThat(r.err()).as(r.all()).contains("runway: ").contains(message);
        assertThat(r.all()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void listAndGraphShowEveryWorkflowsJobsByStage() throws Exception {
        Result list = runway("run", "--list");
        assertThat(list.code()).as(list.all()).isZero();
        assertThat(list.out())
                .contains(".github/workflows/ci.yml (CI; on: push, workflow_dispatch)")
                .containsPattern("1 +build +build +- +ubuntu-latest")
                .containsPattern("1 +lint +lint +- +self-hosted,linux")
                .containsPattern("2 +test +test +build +ubuntu-latest")
                .containsPattern("3 +deploy +deploy +test,lint +ubuntu-latest")
                .contains(".github/workflows/nightly.yml (no name; on: push)");

        Result graph = runway("run", "-g", ".github/workflows/ci.yml");
        assertThat(graph.code()).as(graph.all()).isZero();
        assertThat(graph.out().lines().map(String::strip).toList())
                .containsSubsequence(
                        ".github/workflows/ci.yml: 4 job(s) in 3 stage(s)",
                        "stage 1: build   lint",
                        "stage 2: test <- build",
                        "stage 3: deploy <- test, lint")
                .doesNotContain(".github/workflows/nightly.yml: 1 job(s) in 1 stage(s)");
    }

    @Test
    void aDryRunShowsTheResolvedMatrixAndStartsNothing() throws Exception {
        Path data = tmp.resolve("data");
        Result all = runway("run", "--dry-run", ".github/workflows/ci.yml", "--data-dir", data.toString());
        assertThat(all.code()).as(all.all()).isZero();
        assertThat(all.out())
                .contains("Dry run of CI (.github/workflows/ci.yml), event workflow_dispatch: 7 job(s) in 3"
                        + " stage(s); nothing runs")
                .containsPattern("2 +test \\(linux, 17\\) +os=linux java=17 +build")
                .containsPattern("2 +test \\(mac, 21\\) +os=mac java=21 +build")
                .containsPattern("3 +deploy +- +test,lint +ubuntu-latest +if: github.ref == 'refs/heads/main'");
        assertThat(data).doesNotExist(); // no control plane, no runner

        Result one = runway("run", "-n", ".github/workflows/ci.yml", "-j", "test", "-m", "os:mac", "-e", "push");
        assertThat(one.code()).as(one.all()).isZero();
        assertThat(one.out())
                .contains("event push: 3 job(s) in 2 stage(s)")
                .contains("test (mac, 17)")
                .contains("test (mac, 21)")
                .doesNotContain("linux,")
                .doesNotContain("deploy")
                .doesNotContain("lint");

        refused(
                runway("run", "-n", ".github/workflows/ci.yml", "-m", "os:windows"),
                "--matrix: no combination of job 'test' has {os=windows}");
        refused(
                runway("run", "-n", ".github/workflows/ci.yml", "-j", "package"),
                "the workflow has no job 'package' (its jobs: build, lint, test, deploy)");
        refused(
                runway("run", "-n", ".github/workflows/ci.yml", "-e", "pull_request"),
                "the workflow is not triggered by 'pull_request'");
        refused(runway("run", "-n", "-l"), "--list, --graph and --dry-run: give one of them");
        refused(runway("run", "-n", "--slots", "0", ".github/workflows/ci.yml"), "--slots: must be at least 1");
    }

    @Test
    void aDryRunShowsTheJobsOfACalledWorkflowUnderTheCaller() throws Exception {
        Files.writeString(repo.resolve(".github/workflows/release.yml"), """
                on: push
                jobs:
                  build:
                    uses: ./.github/workflows/build.yml
                  publish:
                    needs: build
                    runs-on: x
                    steps: [{run: echo}]
                """);
        Files.writeString(repo.resolve(".github/workflows/build.yml"), """
                on: workflow_call
                jobs:
                  compile:
                    runs-on: x
                    strategy: {matrix: {arch: [amd64, arm64]}}
                    steps: [{run: echo}]
                """);
        Result r = runway("run", "-n", ".github/workflows/release.yml");
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out())
                .contains("event push: 3 job(s) in 2 stage(s)")
                .containsPattern("1 +build / compile \\(amd64\\) +arch=amd64 +- +uses ./.github/workflows/build.yml")
                .containsPattern("1 +build / compile \\(arm64\\) +arch=arm64")
                .containsPattern("2 +publish +- +build +x");
        Result list = runway("run", "-l", ".github/workflows/release.yml");
        assertThat(list.out()).containsPattern("1 +build +build +- +uses ./.github/workflows/build.yml");
    }

    @Test
    void envAndVarFilesReachTheStepsAndVarsLastOneRun() throws Exception {
        Path env = Files.writeString(
                tmp.resolve("dev.env"),
                "# step environment\nGREETING=\"hello world\" \nexport OTHER='a # b'   # trailing comment\n");
        Path vars = Files.writeString(tmp.resolve("vars.env"), "REGION=eu-west\nTIER=gold\n");
        Path data = tmp.resolve("data");
        Result r = runway(
                "run",
                ".github/workflows/ci.yml",
                "-j",
                "build",
                "--plain",
                "--data-dir",
                data.toString(),
                "--env-file",
                env.toString(),
                "--var-file",
                vars.toString(),
                "--var",
                "TIER=platinum");
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out())
                .contains("[build] OUT greeting=[hello world] other=[a # b] region=[eu-west] tier=[platinum]");

        // the next run has only its own vars: the local store is as it was before
        Result next =
                runway("run", ".github/workflows/ci.yml", "-j", "build", "--plain", "--data-dir", data.toString());
        assertThat(next.code()).as(next.all()).isZero();
        assertThat(next.out()).contains("[build] OUT greeting=[] other=[] region=[] tier=[]");
    }

    @Test
    void badFilesAndValuesAreOneLineWithFileAndLine() throws Exception {
        String wf = ".github/workflows/ci.yml";
        Path noEq = Files.writeString(tmp.resolve("a.env"), "A=1\n\nnot a pair\n");
        refused(runway("run", "-n", wf, "--env-file", noEq.toString()), noEq + ":3: expected NAME=VALUE");
        Path badName = Files.writeString(tmp.resolve("b.env"), "1A=x\n");
        refused(runway("run", "-n", wf, "--var-file", badName.toString()), badName + ":1: '1A' is not a valid name");
        Path open = Files.writeString(tmp.resolve("c.env"), "OK=1\nKEY=\"never closed\nMORE=2\n");
        refused(
                runway("run", "-n", wf, "--secret-file", open.toString()),
                open + ":2: the value of KEY has no closing \"");
        refused(
                runway("run", "-n", wf, "--env-file", tmp.resolve("missing.env").toString()),
                "--env-file: no such file " + tmp.resolve("missing.env"));
        refused(runway("run", "-n", wf, "--env", "RUNWAY_TOKEN=x"), "must not start with RUNWAY_");
        refused(runway("run", "-n", wf, "--var", "GITHUB_X=1"), "must not start with GITHUB_");
        Path array = Files.writeString(tmp.resolve("array.json"), "[1, 2]");
        refused(runway("run", "-n", wf, "--eventpath", array.toString()), "must hold a JSON object");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\n  \"ref\": \"x\",\n  oops\n}");
        refused(runway("run", "-n", wf, "--eventpath", broken.toString()), broken + ":3:");
        Path trailing = Files.writeString(tmp.resolve("two.json"), "{} {}");
        refused(runway("run", "-n", wf, "--eventpath", trailing.toString()), trailing + ":1:");
    }

    @Test
    void anEventPayloadIsCheckedAndShownByADryRun() throws Exception {
        Path payload = Files.writeString(
                tmp.resolve("push.json"), "{\"ref\": \"refs/heads/feature\", \"head_commit\": {\"message\": \"m\"}}");
        Result r = runway("run", "-n", ".github/workflows/ci.yml", "-e", "push", "--eventpath", payload.toString());
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out())
                .contains("event push:")
                .contains("event payload from " + payload + ": 2 top-level key(s) [ref, head_commit]");
    }

    @Test
    void anEventPayloadIsGithubEventInTheRun() throws Exception {
        Files.writeString(repo.resolve(".github/workflows/ev.yml"), """
                on: push
                jobs:
                  show:
                    if: github.event.head_commit.message == 'from the payload'
                    runs-on: x
                    steps:
                      - run: echo "OUT ${{ github.event.custom }} $(jq -r .custom "$GITHUB_EVENT_PATH" 2>/dev/null || grep -o '"custom":"[^"]*"' "$GITHUB_EVENT_PATH")"
                """);
        Path payload = Files.writeString(
                tmp.resolve("push.json"),
                "{\"custom\": \"payload-value\", \"head_commit\": {\"message\": \"from the payload\"}}");
        Result r = runway(
                "run",
                ".github/workflows/ev.yml",
                "--plain",
                "--data-dir",
                tmp.resolve("d").toString(),
                "--eventpath",
                payload.toString());
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out()).contains("[show] OUT payload-value").contains("run succeeded");
    }

    @Test
    void runwayrcOptionsComeFirstRepositoryOverHomeAndTheCommandLineWins() throws Exception {
        Files.writeString(home.resolve(".runwayrc"), "--slots 3\n--matrix os:linux\n");
        Files.writeString(repo.resolve(".runwayrc"), "# this repository\n--slots=5\n\n--env GREETING=from-rc\n");
        String wf = ".github/workflows/ci.yml";
        Result r = runway("run", "-n", wf);
        assertThat(r.code()).as(r.all()).isZero();
        assertThat(r.out())
                .contains("executor shell, 5 slot(s)")
                .contains("environment for every step: GREETING")
                .contains("test (linux, 17)")
                .doesNotContain("test (mac");
        assertThat(runway("run", "-n", wf, "--slots", "2").out()).contains("executor shell, 2 slot(s)");
        assertThat(runway("run", "-n", "--no-runwayrc", wf).out())
                .contains("executor shell, " + cpus() + " slot(s)")
                .contains("test (mac, 21)");

        Files.writeString(repo.resolve(".runwayrc"), "--slots 5\n--slot 4\n");
        refused(runway("run", "-n", wf), repo.resolve(".runwayrc") + ":2: Unknown option: '--slot'");
        Files.writeString(repo.resolve(".runwayrc"), "--slots many\n");
        refused(runway("run", "-n", wf), repo.resolve(".runwayrc") + ":1: Invalid value for option '--slots'");
        Files.writeString(repo.resolve(".runwayrc"), "ci.yml\n");
        refused(runway("run", "-n", wf), repo.resolve(".runwayrc") + ":1: expected an option of `runway run`");
        // a cloned repository's file may not widen what jobs reach, name files outside it or undo ~/.runwayrc
        Path rc = repo.resolve(".runwayrc");
        Files.writeString(rc, "--sandbox-engine-access\n");
        refused(runway("run", "-n", wf), rc + ":1: --sandbox-engine-access is not taken from a repository's .runwayrc");
        Files.writeString(rc, "--env-file /etc/passwd\n");
        refused(runway("run", "-n", wf), rc + ":1: --env-file names /etc/passwd, outside the repository");
        Files.writeString(rc, "--env-file=../home/.env\n");
        refused(runway("run", "-n", wf), "outside the repository");
        Files.writeString(home.resolve(".runwayrc"), "--executor=shell\n");
        Files.writeString(rc, "--executor container\n");
        refused(
                runway("run", "-n", wf),
                rc + ":1: --executor is set in ~/.runwayrc; a repository's .runwayrc may not change it");
        Files.writeString(repo.resolve("dev.env"), "GREETING=inside\n");
        Files.writeString(rc, "--env-file dev.env\n");
        assertThat(runway("run", "-n", wf).out()).contains("environment for every step: GREETING");
        // other commands do not read it
        assertThat(runway("validate", wf).code()).isZero();
    }

    private static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Test
    void theHelpDescribesTheNewOptions() throws Exception {
        Result r = runway("run", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("-l, --list")
                .contains("-g, --graph")
                .contains("-n, --dry-run")
                .contains("--eventpath=FILE")
                .contains("--env-file=FILE")
                .contains("--var-file=FILE")
                .contains("--no-runwayrc")
                .contains(".runwayrc");
    }

    @Test
    void dotEnvReadsQuotesEscapesAndMultiLineValues() throws IOException {
        Map<String, String> m = DotEnv.parse("f.env", """
                # comment
                PLAIN = value with spaces   # comment
                export EXPORTED=1
                SINGLE='$HOME \\n # kept'
                DOUBLE="tab\\there \\"q\\""
                EMPTY=
                MULTI="line one
                line two"
                HASH=a#b
                """);
        assertThat(m)
                .containsEntry("PLAIN", "value with spaces")
                .containsEntry("EXPORTED", "1")
                .containsEntry("SINGLE", "$HOME \\n # kept")
                .containsEntry("DOUBLE", "tab\there \"q\"")
                .containsEntry("EMPTY", "")
                .containsEntry("MULTI", "line one\nline two")
                .containsEntry("HASH", "a#b");
        assertThatThrownBy(() -> DotEnv.parse("f.env", "A=\"x\" y\n"))
                .hasMessage("f.env:1: unexpected 'y' after the closing quote of A");
        assertThatThrownBy(() -> DotEnv.parse("f.env", "=x\n")).hasMessageContaining("f.env:1: '' is not a valid name");
    }
}
