package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's job hooks around real jobs: real sh processes on this machine, evidence written to files. */
class JobHooksTest {
    static final String SECRET = "s3cr3t-given-to-the-job";

    @TempDir
    Path work;

    Path workspace;
    Path hooksDir;
    Path evidence;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final Executor.Output out = (b, off, len) -> {
        synchronized (log) {
            log.write(b, off, len);
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(work.resolve("job-1-1"));
        hooksDir = Files.createDirectories(work.resolve("hooks"));
        evidence = Files.createDirectories(work.resolve("evidence"));
    }

    String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    /** A hook {@code name} that records its turn in {@code order}, its environment and working directory, then runs {@code body}. */
    void hook(String name, String body) throws Exception {
        Path f = hooksDir.resolve(name);
        Files.writeString(
                f,
                "#!/bin/sh\n"
                        + "echo " + name + " >> '" + evidence.resolve("order") + "'\n"
                        + "env > '" + evidence.resolve(name + ".env") + "'\n"
                        + "pwd > '" + evidence.resolve(name + ".cwd") + "'\n"
                        + body + "\n");
        assertThat(f.toFile().setExecutable(true)).isTrue();
    }

    Executor.Outcome run(Duration timeout, JobControl control, JobSpec spec) {
        JobExecutor executor = new JobExecutor(new StepTracker(work))
                .withHooks(JobHooks.load(
                        hooksDir,
                        timeout,
                        Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))));
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(
                Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))));
        env.put("RUNWAY_JOB_ID", "job-1");
        env.put("RUNWAY_JOB_NAME", spec.name());
        env.put("RUNWAY_ATTEMPT", "1");
        env.put("RUNWAY_WORKSPACE", workspace.toString());
        env.put("RUNNER_NAME", "runner-a");
        env.put("JOB_SECRET", SECRET); // as a job's env: would carry a secret
        return executor.run(spec, workspace, env, out, control, JobApi.NONE, Map.of("TOKEN", SECRET));
    }

    Executor.Outcome run(StepSpec... steps) {
        return run(
                JobHooks.DEFAULT_TIMEOUT,
                new JobControl(),
                new JobSpec("build", List.of(), Map.of(), List.of(steps), null, 1));
    }

    StepSpec recordingStep(String name, String then) {
        return StepSpec.of(name, "echo steps >> '" + evidence.resolve("order") + "'; " + then);
    }

    Map<String, String> envOf(String hook) throws Exception {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(evidence.resolve(hook + ".env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return env;
    }

    @Test
    void hooksRunAroundTheStepsInOrderInTheWorkspaceWithTheJobsMetadataButNotItsSecrets() throws Exception {
        for (String name : JobHooks.NAMES) hook(name, "echo output of " + name);
        JobSpec spec = new JobSpec(
                "build",
                List.of(),
                Map.of(),
                List.of(recordingStep("compile", "echo compiled")),
                null,
                1,
                Map.of("github", Map.of("repository", "acme/app", "ref", "refs/heads/main", "sha", "abc123")),
                Map.of(),
                null,
                Map.of());

        Executor.Outcome o = run(JobHooks.DEFAULT_TIMEOUT, new JobControl(), spec);

        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Files.readAllLines(evidence.resolve("order")))
                .containsExactly("environment", "pre-command", "steps", "post-command", "pre-exit");
        for (String name : JobHooks.NAMES) {
            assertThat(Files.readString(evidence.resolve(name + ".cwd")).strip())
                    .isEqualTo(workspace.toString());
            Map<String, String> env = envOf(name);
            assertThat(env)
                    .containsEntry("RUNWAY_JOB_ID", "job-1")
                    .containsEntry("RUNWAY_JOB_NAME", "build")
                    .containsEntry("RUNWAY_ATTEMPT", "1")
                    .containsEntry("RUNWAY_RUNNER_NAME", "runner-a")
                    .containsEntry("RUNWAY_WORKSPACE", workspace.toString())
                    .containsEntry("RUNWAY_REPOSITORY", "acme/app")
                    .containsEntry("RUNWAY_REF", "refs/heads/main")
                    .containsEntry("RUNWAY_SHA", "abc123")
                    .containsKey("PATH")
                    .doesNotContainKey("JOB_SECRET")
                    .doesNotContainKey("GITHUB_WORKSPACE");
            assertThat(Files.readString(evidence.resolve(name + ".env"))).doesNotContain(SECRET);
        }
        assertThat(envOf("post-command")).containsEntry("RUNWAY_JOB_STATUS", "success");
        assertThat(envOf("pre-exit")).containsEntry("RUNWAY_JOB_STATUS", "success");
        assertThat(envOf("pre-command")).doesNotContainKey("RUNWAY_JOB_STATUS");
        String log = log();
        assertThat(log)
                .contains("\u25b6 hook: environment\noutput of environment\n\u2714 hook: environment (")
                .contains("\u25b6 hook: pre-command\noutput of pre-command\n\u2714 hook: pre-command (")
                .contains("\u25b6 hook: post-command\noutput of post-command\n\u2714 hook: post-command (")
                .contains("\u25b6 hook: pre-exit\noutput of pre-exit\n\u2714 hook: pre-exit (");
        assertThat(log.indexOf("hook: pre-command")).isLessThan(log.indexOf("\u25b6 compile"));
        assertThat(log.indexOf("compiled")).isLessThan(log.indexOf("hook: post-command"));
        assertThat(o.steps()).hasSize(1); // hooks are not steps of the job
    }

    @Test
    void missingHooksAreSkipped() throws Exception {
        hook("pre-exit", "true");
        Executor.Outcome o = run(recordingStep("only", "true"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("steps", "pre-exit");
        assertThat(log()).doesNotContain("hook: environment").doesNotContain("hook: pre-command");
    }

    @Test
    void variablesTheEnvironmentHookPrintsAreInEveryStepsEnvironmentButNotInTheLog() throws Exception {
        hook("environment", "echo FROM_HOOK=hello-hook; echo 'fetching things' >&2; echo OTHER=a=b");
        Executor.Outcome o = run(
                StepSpec.of("one", "echo \"one [$FROM_HOOK] [$OTHER]\""),
                StepSpec.of("two", "echo \"two [$FROM_HOOK]\""),
                new StepSpec(
                        "three", "echo \"three [$FROM_HOOK]\"", Map.of("FROM_HOOK", "from-step"), null, null, null));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("one [hello-hook] [a=b]")
                .contains("two [hello-hook]")
                .contains("three [from-step]")
                .contains("fetching things")
                .contains("[runway] hook environment set FROM_HOOK, OTHER")
                .doesNotContain("FROM_HOOK=hello-hook");
    }

    @Test
    void anEnvironmentHookThatSetsAReservedOrInvalidNameFailsTheJob() throws Exception {
        hook("environment", "echo GITHUB_TOKEN=forged; echo 'not a name=x'");
        Executor.Outcome o = run(recordingStep("never", "true"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("GITHUB_TOKEN").contains("not a name");
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("environment");
    }

    @Test
    void aFailingPreCommandFailsTheJobBeforeItsStepsWithTheHooksOutput() throws Exception {
        hook("pre-command", "echo 'no credentials for the registry' >&2; exit 3");
        hook("post-command", "true");
        hook("pre-exit", "true");
        Executor.Outcome o = run(StepSpec.of("never", "touch '" + evidence.resolve("step-ran") + "'"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("hook pre-command failed with exit code 3");
        assertThat(evidence.resolve("step-ran")).doesNotExist();
        assertThat(o.steps()).isEmpty();
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("pre-command", "pre-exit");
        assertThat(envOf("pre-exit")).containsEntry("RUNWAY_JOB_STATUS", "failure");
        assertThat(log())
                .contains("\u25b6 hook: pre-command\nno credentials for the registry\n"
                        + "\u2718 hook pre-command failed with exit code 3\n")
                .doesNotContain("\u25b6 never");
    }

    @Test
    void postCommandSeesAFailedJobAndTheStepsReasonStays() throws Exception {
        hook("post-command", "echo \"status=$RUNWAY_JOB_STATUS\"");
        hook("pre-exit", "true");
        Executor.Outcome o = run(recordingStep("breaks", "exit 1"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'breaks' exited with 1");
        assertThat(envOf("post-command")).containsEntry("RUNWAY_JOB_STATUS", "failure");
        assertThat(log()).contains("status=failure");
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("steps", "post-command", "pre-exit");
    }

    @Test
    void aFailingPostCommandFailsASucceededJobAndPreExitStillRuns() throws Exception {
        hook("post-command", "exit 5");
        hook("pre-exit", "true");
        Executor.Outcome o = run(recordingStep("fine", "true"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("hook post-command failed with exit code 5");
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("steps", "post-command", "pre-exit");
        assertThat(envOf("pre-exit")).containsEntry("RUNWAY_JOB_STATUS", "failure");
    }

    @Test
    void aHookThatOverrunsItsTimeoutIsKilledWithItsProcessGroup() throws Exception {
        Path pid = evidence.resolve("child.pid");
        hook("pre-command", "sleep 300 & echo $! > '" + pid + "'; wait");
        hook("pre-exit", "true");
        long started = System.nanoTime();
        Executor.Outcome o = run(
                Duration.ofMillis(700),
                new JobControl(),
                new JobSpec(
                        "build",
                        List.of(),
                        Map.of(),
                        List.of(StepSpec.of("never", "touch '" + evidence.resolve("step-ran") + "'")),
                        null,
                        1));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("hook pre-command timed out after 700 ms and was killed");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(60));
        assertThat(evidence.resolve("step-ran")).doesNotExist();
        long child = Long.parseLong(Files.readString(pid).strip());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) == false);
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("pre-command", "pre-exit");
    }

    @Test
    void cancellingTheJobKillsARunningPreCommandAndPreExitStillRuns() throws Exception {
        hook("pre-command", "touch '" + evidence.resolve("pre-started") + "'; sleep 300");
        hook("pre-exit", "true");
        JobControl control = new JobControl();
        var job = java.util.concurrent.CompletableFuture.supplyAsync(() -> run(
                JobHooks.DEFAULT_TIMEOUT,
                control,
                new JobSpec("build", List.of(), Map.of(), List.of(StepSpec.of("never", "true")), null, 1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(evidence.resolve("pre-started")));
        control.cancel("cancelled by a user");
        Executor.Outcome o = job.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(o.result()).isEqualTo(JobState.CANCELLED);
        assertThat(o.reason()).isEqualTo("hook pre-command was stopped: cancelled by a user");
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("pre-command", "pre-exit");
    }

    @Test
    void hookOutputIsMaskedLikeStepOutput() throws Exception {
        hook(
                "pre-command",
                "echo 'the vault said " + SECRET + "'; echo '::add-mask::hook-own-value'; echo 'x hook-own-value'");
        Executor.Outcome o = run(StepSpec.of("s", "echo 'step hook-own-value'"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("the vault said ***")
                .contains("x ***")
                .contains("step ***")
                .doesNotContain(SECRET)
                .doesNotContain("hook-own-value");
    }

    @Test
    void aJobCancelledDuringItsStepsStillRunsPostCommandAndPreExit() throws Exception {
        hook("post-command", "true");
        hook("pre-exit", "true");
        JobControl control = new JobControl();
        var job = java.util.concurrent.CompletableFuture.supplyAsync(() -> run(
                JobHooks.DEFAULT_TIMEOUT,
                control,
                new JobSpec("build", List.of(), Map.of(), List.of(recordingStep("long", "sleep 300")), null, 1)));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(evidence.resolve("order")));
        control.cancel("cancelled by a user");
        Executor.Outcome o = job.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(o.result()).isEqualTo(JobState.CANCELLED);
        assertThat(Files.readAllLines(evidence.resolve("order"))).containsExactly("steps", "post-command", "pre-exit");
        assertThat(envOf("post-command")).containsEntry("RUNWAY_JOB_STATUS", "failure");
    }

    @Test
    void whatAProcessAHookLeftRunningWritesLaterIsNotInTheLog() throws Exception {
        hook("pre-command", "(sleep 7; echo late line from the leftover) & echo early line");
        Executor.Outcome o = run(StepSpec.of("s", "true"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("early line").contains("\u2714 hook: pre-command (");
        String before = log();
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> log().equals(before)); // the leftover writes its line within these 3 s
        assertThat(log()).doesNotContain("late line");
    }

    @Test
    void aHooksDirectoryThatIsMissingNotADirectoryOrHoldsAHookThatCannotRunIsRefused() throws Exception {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
        assertThatThrownBy(() -> JobHooks.load(work.resolve("nope"), JobHooks.DEFAULT_TIMEOUT, env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hooks directory " + work.resolve("nope") + " does not exist");
        Path file = Files.writeString(work.resolve("a-file"), "x");
        assertThatThrownBy(() -> JobHooks.load(file, JobHooks.DEFAULT_TIMEOUT, env))
                .hasMessage("hooks directory " + file + " is not a directory");
        Files.writeString(hooksDir.resolve("pre-command"), "#!/bin/sh\ntrue\n");
        assertThatThrownBy(() -> JobHooks.load(hooksDir, JobHooks.DEFAULT_TIMEOUT, env))
                .hasMessageContaining("hook " + hooksDir.resolve("pre-command") + " is not executable");
        Files.delete(hooksDir.resolve("pre-command"));
        Files.createDirectories(hooksDir.resolve("pre-exit"));
        assertThatThrownBy(() -> JobHooks.load(hooksDir, JobHooks.DEFAULT_TIMEOUT, env))
                .hasMessageContaining("is not a regular file");
        Files.delete(hooksDir.resolve("pre-exit"));
        assertThat(JobHooks.load(hooksDir, JobHooks.DEFAULT_TIMEOUT, env).none())
                .isFalse();
        assertThat(JobHooks.load(null).none()).isTrue();
    }
}
