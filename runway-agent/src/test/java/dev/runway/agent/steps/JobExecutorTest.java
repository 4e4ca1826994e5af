package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real bash processes on this machine. */
class JobExecutorTest {
    @TempDir
    Path work;

    Path workspace;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final Executor.Output out = (b, off, len) -> {
        synchronized (log) {
            log.write(b, off, len);
        }
    };
    JobExecutor executor;

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(work.resolve("job-1"));
        executor = new JobExecutor(new StepTracker(work));
    }

    String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    Executor.Outcome run(JobControl control, Integer jobTimeout, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(Map.of(
                "PATH",
                System.getenv("PATH"),
                "RUNWAY_REGISTRATION_TOKEN",
                "rwr_secret",
                "HOME",
                System.getProperty("user.home"))));
        env.put("JOB_VAR", "from-job");
        return executor.run(
                new JobSpec("t", List.of(), Map.of(), List.of(steps), jobTimeout, 1), workspace, env, out, control);
    }

    @Test
    void stepsRunInOrderWithTheirEnvironmentAndWorkingDirectory() throws Exception {
        Files.createDirectories(workspace.resolve("sub/dir"));
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec(
                        "one",
                        "echo \"$JOB_VAR $STEP_VAR\"; echo \"token=${RUNWAY_REGISTRATION_TOKEN:-none}\"",
                        Map.of("STEP_VAR", "from-step"),
                        null,
                        null,
                        null),
                new StepSpec("two", "pwd", Map.of(), "sub/dir", null, null),
                new StepSpec("three", "echo posix sh", Map.of(), null, null, "sh"));
        assertThat(o.result()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("from-job from-step")
                .contains("token=none")
                .contains(workspace.resolve("sub/dir").toString())
                .contains("posix sh");
        assertThat(o.steps()).extracting(s -> s.exitCode()).containsExactly(0, 0, 0);
    }

    @Test
    void fileCommandsCarryEnvironmentPathOutputsAndSummariesBetweenSteps() throws Exception {
        Path bin = Files.createDirectories(work.resolve("tools"));
        Files.writeString(bin.resolve("mytool"), "#!/bin/sh\necho tool ran\n");
        bin.resolve("mytool").toFile().setExecutable(true);
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec(
                        "produce",
                        String.join(
                                "\n",
                                "echo \"GREETING=hello there\" >> \"$GITHUB_ENV\"",
                                "{ echo 'NOTES<<EOF'; echo line one; echo line two; echo EOF; } >> \"$GITHUB_ENV\"",
                                "echo " + bin + " >> \"$GITHUB_PATH\"",
                                "echo version=1.2.3 >> \"$GITHUB_OUTPUT\"",
                                "echo '### Built' >> \"$GITHUB_STEP_SUMMARY\""),
                        Map.of(),
                        null,
                        null,
                        null),
                StepSpec.of("consume", "echo \"[$GREETING]\"; echo \"$NOTES\" | wc -l; mytool"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(o.steps().get(0).outputs()).containsEntry("version", "1.2.3");
        assertThat(log()).contains("[hello there]").contains("tool ran").contains("### Built");
        assertThat(log().lines().map(String::strip)).contains("2");
    }

    @Test
    void aMalformedEnvFileFailsTheStepWithTheReason() {
        Executor.Outcome o = run(
                new JobControl(),
                null,
                StepSpec.of("bad", "echo 'X<<END' >> \"$GITHUB_ENV\"; echo never closed >> \"$GITHUB_ENV\""));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("matching delimiter not found 'END'");
    }

    @Test
    void pythonAndCustomShellsRunTheScriptFile() {
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec("py", "import os\nprint('py', os.environ['JOB_VAR'])", Map.of(), null, null, "python"),
                new StepSpec("custom", "echo custom $0", Map.of(), null, null, "bash -e {0}"),
                new StepSpec("py-fails", "raise SystemExit(4)", Map.of(), null, null, "python"));
        assertThat(log()).contains("py from-job").contains("custom ");
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'py-fails' exited with 4");
    }

    @Test
    void theFirstFailingStepFailsTheJobWithItsExitCodeAndSkipsTheRest() {
        Executor.Outcome o = run(
                new JobControl(),
                null,
                StepSpec.of("ok", "true"),
                StepSpec.of("bad", "exit 3"),
                StepSpec.of("skipped", "echo never"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'bad' exited with 3");
        assertThat(o.steps().get(1).exitCode()).isEqualTo(3);
        assertThat(o.steps().get(2).result()).isNull();
        assertThat(log()).doesNotContain("never");
    }

    @Test
    void errexitAndPipefailAreOnForAJobOfRunwaysOwnApi() {
        // a workflow step naming no shell is bash -e {0} without pipefail, as on GitHub (WorkflowCasesE2ETest,
        // shell-default-bash-without-pipefail); a job submitted through the API keeps the documented default
        assertThat(run(new JobControl(), null, StepSpec.of("errexit", "false; echo after"))
                        .result())
                .isEqualTo(JobState.FAILED);
        assertThat(run(new JobControl(), null, StepSpec.of("pipefail", "false | true"))
                        .result())
                .isEqualTo(JobState.FAILED);
        assertThat(log()).doesNotContain("after");
    }

    @Test
    void aWorkingDirectoryOutsideTheWorkspaceRunsAsOnGitHubIfItExists() throws Exception {
        Path sibling = Files.createDirectories(work.resolve("sibling"));
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec("absolute", "echo \"in $(pwd -P)\"", Map.of(), "/tmp", null, null),
                new StepSpec("sibling", "echo \"in $(pwd -P)\"", Map.of(), "../sibling", null, null));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("in " + Path.of("/tmp").toRealPath()).contains("in " + sibling.toRealPath());
    }

    /** GitHub still honours the disabled commands where a step opts in (with a warning), and only there. */
    @Test
    void setEnvAndAddPathWorkOnlyWithActionsAllowUnsecureCommands() throws Exception {
        Path bin = Files.createDirectories(work.resolve("tools"));
        Files.writeString(bin.resolve("hello-tool"), "#!/bin/sh\necho tool ran\n");
        bin.resolve("hello-tool").toFile().setExecutable(true);
        Map<String, String> allow = Map.of("ACTIONS_ALLOW_UNSECURE_COMMANDS", "true");
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec("refused", "echo '::set-env name=EARLY::no'", Map.of(), null, null, null),
                new StepSpec("check refused", "echo \"early=${EARLY:-unset}\"", Map.of(), null, null, null),
                new StepSpec(
                        "opted in",
                        "echo '::set-env name=LEGACY::from set-env'; echo '::add-path::" + bin + "'",
                        allow,
                        null,
                        null,
                        null),
                new StepSpec("check", "echo \"legacy=$LEGACY\"; hello-tool", Map.of(), null, null, null));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("the `set-env` command is disabled")
                .contains("ACTIONS_ALLOW_UNSECURE_COMMANDS")
                .contains("early=unset")
                .contains("the `set-env` command is deprecated")
                .contains("the `add-path` command is deprecated")
                .contains("legacy=from set-env")
                .contains("tool ran")
                .doesNotContain("::set-env");
    }

    @Test
    void aMissingWorkingDirectoryInsideTheWorkspaceFailsTheStepAndIsNotCreatedAsOnGitHub() {
        Executor.Outcome o =
                run(new JobControl(), null, new StepSpec("typo", "echo ran", Map.of(), "buidl", null, null));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("working directory 'buidl'").contains("does not exist");
        assertThat(workspace.resolve("buidl")).doesNotExist();
        assertThat(log()).doesNotContain("\nran");
    }

    @Test
    void aMissingWorkingDirectoryOutsideTheWorkspaceIsNotCreated() {
        Executor.Outcome o =
                run(new JobControl(), null, new StepSpec("missing", "true", Map.of(), "../nowhere/x", null, null));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("does not exist").contains("'../nowhere/x'");
        assertThat(work.resolve("nowhere")).doesNotExist();
    }

    @Test
    void aStepTimeoutKillsTheWholeTreeEvenChildrenThatIgnoreTerm() throws Exception {
        Path pid = work.resolve("child.pid");
        long t0 = System.nanoTime();
        Executor.Outcome o = run(
                new JobControl(),
                null,
                new StepSpec(
                        "slow",
                        "(trap '' TERM; exec sleep 300) & echo $! > " + pid + "; wait",
                        Map.of(),
                        null,
                        1,
                        null));
        assertThat(o.result()).isEqualTo(JobState.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        long child = Long.parseLong(Files.readString(pid).strip());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void theJobTimeoutAppliesAcrossSteps() {
        Executor.Outcome o =
                run(new JobControl(), 1, StepSpec.of("slow", "sleep 60"), StepSpec.of("after", "echo never"));
        assertThat(o.result()).isEqualTo(JobState.TIMED_OUT);
        assertThat(o.steps().get(1).result()).isNull();
    }

    @Test
    void cancelStopsTheRunningStepAtOnce() throws Exception {
        JobControl control = new JobControl();
        Path started = work.resolve("started");
        CompletableFuture<Executor.Outcome> running = CompletableFuture.supplyAsync(() -> run(
                control,
                null,
                StepSpec.of("long", "touch " + started + "; sleep 300"),
                StepSpec.of("after", "echo never")));
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(started));
        long t0 = System.nanoTime();
        control.cancel("cancelled by a user");
        Executor.Outcome o = running.get();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(o.result()).isEqualTo(JobState.CANCELLED);
        assertThat(o.reason()).isEqualTo("cancelled by a user");
        assertThat(log()).doesNotContain("never");
    }

    @Test
    void backgroundProcessesAStepLeavesBehindAreKilledWhenItEnds() throws Exception {
        Path pid = work.resolve("bg.pid");
        Executor.Outcome o = run(
                new JobControl(),
                null,
                StepSpec.of("leaves a daemon", "nohup sleep 300 >/dev/null 2>&1 & echo $! > " + pid));
        assertThat(o.result()).isEqualTo(JobState.SUCCEEDED);
        long bg = Long.parseLong(Files.readString(pid).strip());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ProcessHandle.of(bg).map(p -> !p.isAlive()).orElse(true));
    }
}
