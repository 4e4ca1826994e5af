package dev.runway.e2e;

import static dev.runway.agent.Needs.needs;
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
            env:
              WF_TOKEN: ${{ secrets.API_TOKEN }}
            jobs:
              build:
                runs-on: ubuntu-latest
                env:
                  JOB_OTHER: ${{ secrets.OTHER }}
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
                      test "$WF_TOKEN" = "$FROM_ENV" && test "$JOB_OTHER" = "${{ secrets.OTHER }}"
                      echo "workflow env $WF_TOKEN job env $JOB_OTHER"
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
                .contains("workflow env *** job env ***")
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

    /**
     * `runway run` of a workflow that calls a reusable workflow of the same repository, the callee edited and not
     * committed (the working tree wins): the callee's jobs run as {@code caller / job} with the inputs and only the
     * secret the call gives them (from --secret), and its output reaches the caller's dependent.
     */
    @Test
    void runsALocalReusableWorkflowFromTheWorkingTree() throws Exception {
        Path repo = Files.createDirectories(root.resolve("calls-repo"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                on: push
                jobs:
                  build:
                    uses: ./.github/workflows/build.yml
                    with: {flavour: release, jobs: 4}
                    secrets: {key: "${{ secrets.SIGNING_KEY }}"}
                  after:
                    needs: build
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo "OUT after ${{ needs.build.outputs.binary }} ${{ needs.build.result }}"
                """);
        Files.writeString(repo.resolve(".github/workflows/build.yml"), "on: workflow_call\njobs: {}\n");
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        Files.writeString(repo.resolve(".github/workflows/build.yml"), """
                on:
                  workflow_call:
                    inputs:
                      flavour: {type: string, required: true}
                      jobs: {type: number, default: 1}
                    secrets:
                      key: {required: true}
                    outputs:
                      binary: {value: "${{ jobs.compile.outputs.binary }}"}
                jobs:
                  compile:
                    runs-on: ubuntu-latest
                    outputs:
                      binary: ${{ steps.b.outputs.binary }}
                    steps:
                      - id: b
                        run: echo "binary=app-${{ inputs.flavour }}" >> "$GITHUB_OUTPUT"
                      - run: echo "OUT compile ${{ inputs.flavour }} -j${{ inputs.jobs }} key=${{ secrets.key }} other=[${{ secrets.OTHER }}]"
                """);
        RunwayProcess p = run(
                repo,
                "--data-dir",
                root.resolve("calls-data").toString(),
                "--secret",
                "SIGNING_KEY=signing-key-value",
                "--secret",
                "OTHER=other-value");
        assertThat(p.awaitExit(Duration.ofSeconds(120))).as(p.output()).isZero();
        assertThat(p.output().lines().filter(l -> l.contains("] OUT ")).toList())
                .containsExactly(
                        "[build / compile] OUT compile release -j4 key=*** other=[]",
                        "[after] OUT after app-release success");
        assertThat(p.output())
                .contains("\u2714 build / compile")
                .contains("run succeeded")
                .doesNotContain("signing-key-value");
    }

    /** setup-java picks among the JDKs the runner found under /usr/lib/jvm on its first start (17 and 25 here). */
    @Test
    void setupJavaSelectsAmongTheMachinesJdks() throws Exception {
        needs(
                Files.isDirectory(Path.of("/usr/lib/jvm/java-17-openjdk-amd64"))
                        && Files.isDirectory(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64")),
                "needs JDK 17 and 25 under /usr/lib/jvm");
        Path repo = Files.createDirectories(root.resolve("java-repo"));
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                name: Java
                on: push
                jobs:
                  build:
                    runs-on: ubuntu-latest
                    strategy:
                      matrix:
                        java: ['17', '25', '22']
                    steps:
                      - uses: actions/setup-java@v4
                        id: jdk
                        with:
                          distribution: temurin
                          java-version: ${{ matrix.java }}
                          cache: maven
                      - run: java -version 2>&1 | head -1; echo "home ${{ steps.jdk.outputs.path }} = $JAVA_HOME"
                """);
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        RunwayProcess p = run(repo, "--data-dir", root.resolve("data").toString());
        assertThat(p.awaitExit(Duration.ofSeconds(120))).as(p.output()).isEqualTo(1);
        String cache = root.resolve("data/tool-cache").toString();
        assertThat(p.output())
                .contains("[build (17)] openjdk version \"17.")
                .contains("[build (25)] openjdk version \"25.")
                .contains("[build (25)] home " + cache + "/java/25.")
                .contains("input 'cache' accepted but not applied")
                .contains("no java matching '22' in the tool cache (RUNNER_TOOL_CACHE=" + cache + ")")
                .contains("\u2718 build (22) failed");
    }

    /** `runway run --executor container`: a job with a service, each in its own container on the engine. */
    @Test
    void servicesRunWithTheContainerExecutor() throws Exception {
        try (var engine = dev.runway.agent.container.TestEngine.require()) {
            Path repo = Files.createDirectories(root.resolve("svc-repo"));
            Files.createDirectories(repo.resolve(".github/workflows"));
            Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                    name: Services
                    on: push
                    jobs:
                      test:
                        runs-on: ubuntu-latest
                        services:
                          web:
                            image: %s
                        steps:
                          - run: echo "host $(hostname) got $(wget -q -O - http://web:8080/)"
                    """.formatted(
                            dev.runway.agent.container.TestEngine.WEB_IMAGE));
            WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
            WorkflowRunsE2ETest.git(repo, "add", "-A");
            WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
            RunwayProcess p = run(
                    repo,
                    "--data-dir",
                    root.resolve("data").toString(),
                    "--executor",
                    "container",
                    "--image",
                    dev.runway.agent.container.TestEngine.IMAGE);
            assertThat(p.awaitExit(Duration.ofSeconds(120))).as(p.output()).isZero();
            assertThat(p.output())
                    .contains("starting service 'web' from " + dev.runway.agent.container.TestEngine.WEB_IMAGE)
                    .contains("starting job container from " + dev.runway.agent.container.TestEngine.IMAGE)
                    .containsPattern("host \\S+ got ok");
            RunwayProcess bad = run(repo, "--data-dir", root.resolve("data2").toString(), "--executor", "vm");
            assertThat(bad.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(bad.output() + bad.stderr())
                    .contains("--executor: 'vm' is not an executor (use shell, sandbox or container)");
        }
    }

    /**
     * A second `runway run` on the data dir of a running one used to start its runner's crash clean-up there: it
     * killed the first run's step (exit 137) and deleted its workspace. Now it stops before touching anything.
     */
    @Test
    void aSecondRunOnTheSameDataDirIsRefusedAndLeavesTheFirstAlone() throws Exception {
        Path repo = Files.createDirectories(root.resolve("repo"));
        Path fifo = root.resolve("go");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
                .isZero();
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/wait.yml"), """
                on: push
                jobs:
                  wait:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: actions/checkout@v4
                      - run: echo "waiting in $PWD"; read line < %s; echo "got $line"; test -f marker.txt
                """.formatted(fifo));
        Files.writeString(repo.resolve("marker.txt"), "here");
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-qm", "one");
        String data = root.resolve("data").toString();
        RunwayProcess first = run(repo, "--data-dir", data);
        first.awaitOutput("waiting in", Duration.ofSeconds(60));

        RunwayProcess second = run(repo, "--data-dir", data);
        assertThat(second.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(second.output())
                .contains("another runway process (pid " + first.pid() + ") is using the data dir " + data)
                .contains("give this runway run its own --data-dir")
                .doesNotContain("Exception");

        Files.writeString(fifo, "go\n");
        assertThat(first.awaitExit(Duration.ofSeconds(60))).as(first.output()).isZero();
        assertThat(first.output()).contains("[wait] got go").contains("run succeeded");

        // released when the first run ends: the next one gets as far as reading the workflow
        RunwayProcess third = run(repo, "--data-dir", data, "--job", "deploy");
        assertThat(third.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(third.output())
                .contains("the workflow has no job 'deploy'")
                .doesNotContain("another runway process");
    }

    @Test
    void aMalformedSecretFileIsRefusedWithItsLine() throws Exception {
        Path bad = root.resolve("bad.env");
        Files.writeString(bad, "OK=1\n9BAD=2\n");
        Files.createDirectories(root.resolve(".github/workflows"));
        Files.writeString(root.resolve(".github/workflows/ci.yml"), WORKFLOW);
        WorkflowRunsE2ETest.git(root, "init", "-q", "-b", "main"); // files are read in a repository
        RunwayProcess p = run(
                root,
                "--secret-file",
                bad.toString(),
                "--data-dir",
                root.resolve("data").toString());
        assertThat(p.awaitExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(p.output()).contains(bad + ":2: '9BAD' is not a valid name");
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
