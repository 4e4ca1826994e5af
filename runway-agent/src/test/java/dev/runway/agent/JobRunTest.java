package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.Executor;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One attempt on the agent without a control plane: an in-memory stand-in for the attempt's calls and a stand-in
 * executor. What the attempt hands the executor, what it reports, and when it reports nothing.
 */
class JobRunTest {
    @TempDir
    Path dir;

    final FakeJobCalls calls = new FakeJobCalls();
    final List<Duration> waited = new CopyOnWriteArrayList<>();
    final AtomicBoolean switchStopped = new AtomicBoolean();
    /** What the executor saw. */
    final AtomicReference<Map<String, String>> env = new AtomicReference<>();

    final AtomicReference<Map<String, String>> secrets = new AtomicReference<>();
    final AtomicReference<Path> workspace = new AtomicReference<>();

    JobRun job(Assignment a, Executor executor) {
        Executor seeing = (spec, ws, e, out, control, api, s) -> {
            env.set(Map.copyOf(e));
            secrets.set(Map.copyOf(s));
            workspace.set(ws);
            assertThat(ws).isDirectory().isEmptyDirectory();
            return executor.run(spec, ws, e, out, control, api, s);
        };
        return new JobRun(
                a,
                new JobRun.Shared(
                        calls,
                        dev.runway.agent.logs.LogSink.direct(calls),
                        new LeaseRenewer(new FakeRunner(), calls, () -> "rwr_credential", System::nanoTime),
                        seeing,
                        dir.resolve("work"),
                        Map.of("PATH", "/usr/bin:/bin", "RUNNER_NAME", "r1"),
                        Map.of("TOKEN", "from the runner", "ONLY_RUNNER", "r"),
                        since -> switchStopped.get(),
                        () -> new Backoff(
                                Duration.ofMillis(250), Duration.ofSeconds(30), RunwayAgentTest.LARGEST, waited::add)));
    }

    static Assignment assignment(JobSpec spec) {
        return new Assignment("j1", 2, "rwj_j1", spec, 0, 5, Map.of("TOKEN", "from the control plane"));
    }

    static JobSpec spec() {
        return new JobSpec("build", List.of("linux"), Map.of("FROM_SPEC", "yes"), List.of(), null, 1);
    }

    static Executor succeeding() {
        return (spec, ws, e, out, control, api, s) -> {
            out.line("step output");
            return new Executor.Outcome(JobState.SUCCEEDED, null, List.of());
        };
    }

    @Test
    void anAttemptRunsInAFreshWorkspaceWithItsEnvironmentAndReportsItsOutcome() throws Exception {
        Path stale = dir.resolve("work/j1-2/left-over");
        Files.createDirectories(stale);
        JobRun job = job(assignment(spec()), succeeding());
        job.run();

        assertThat(workspace.get()).isEqualTo(dir.resolve("work/j1-2"));
        assertThat(env.get())
                .containsEntry("CI", "true")
                .containsEntry("RUNWAY_JOB_ID", "j1")
                .containsEntry("RUNWAY_JOB_NAME", "build")
                .containsEntry("RUNWAY_ATTEMPT", "2")
                .containsEntry("RUNWAY_WORKSPACE", workspace.get().toString())
                .containsEntry("GITHUB_WORKSPACE", workspace.get().toString())
                .containsEntry("FROM_SPEC", "yes")
                .containsEntry("RUNNER_NAME", "r1")
                .doesNotContainKey("GITHUB_ACTIONS"); // not a workflow job
        assertThat(secrets.get())
                .as("the control plane's secrets win over the runner's own")
                .containsEntry("TOKEN", "from the control plane")
                .containsEntry("ONLY_RUNNER", "r");
        assertThat(calls.completions).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo(JobState.SUCCEEDED);
            assertThat(c.reason()).isNull();
        });
        assertThat(job.completed()).isSameAs(calls.completions.getFirst());
        assertThat(calls.log()).isEqualTo("step output\n[runway] job succeeded\n");
        assertThat(calls.tokens).containsOnly("rwj_j1");
        assertThat(workspace.get()).doesNotExist();
        assertThat(waited).isEmpty();
    }

    @Test
    void aFailingPreCommandHookFailsTheAttemptWithTheHooksOutputAndTheAttemptsMetadata() throws Exception {
        Path hooks = Files.createDirectories(dir.resolve("hooks"));
        Path evidence = dir.resolve("pre-command.env");
        Path hook = Files.writeString(
                hooks.resolve("pre-command"),
                "#!/bin/sh\nenv > '" + evidence + "'\necho 'registry login refused'\nexit 3\n");
        assertThat(hook.toFile().setExecutable(true)).isTrue();
        Executor real = new dev.runway.agent.steps.JobExecutor(
                        new dev.runway.agent.isolation.StepTracker(dir.resolve("tracker")))
                .withHooks(dev.runway.agent.steps.JobHooks.load(hooks));
        JobSpec spec = new JobSpec(
                "build",
                List.of(),
                Map.of(),
                List.of(dev.runway.protocol.StepSpec.of("never", "echo the step ran")),
                null,
                1);
        job(assignment(spec), real).run();

        assertThat(calls.completions).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo(JobState.FAILED);
            assertThat(c.reason()).isEqualTo("hook pre-command failed with exit code 3");
        });
        assertThat(calls.log()) // after the warning that the runner's secret "r" is too short to mask
                .endsWith("\u25b6 hook: pre-command\nregistry login refused\n"
                        + "\u2718 hook pre-command failed with exit code 3\n"
                        + "[runway] job failed: hook pre-command failed with exit code 3\n");
        assertThat(Files.readString(evidence))
                .contains("RUNWAY_JOB_ID=j1\n")
                .contains("RUNWAY_ATTEMPT=2\n")
                .contains("RUNWAY_RUNNER_NAME=r1\n")
                .contains("RUNWAY_WORKSPACE=" + dir.resolve("work/j1-2") + "\n")
                .doesNotContain("from the control plane")
                .doesNotContain("FROM_SPEC");
    }

    @Test
    void aWorkflowJobGetsGitHubsVariablesFromItsContext() {
        JobSpec workflow = new JobSpec(
                "build",
                List.of(),
                Map.of(),
                List.of(),
                null,
                1,
                Map.of("github", Map.of("run_id", 42, "repository", "acme/app", "actor", "ada")),
                Map.of(),
                null,
                Map.of());
        job(assignment(workflow), succeeding()).run();
        assertThat(env.get())
                .containsEntry("GITHUB_ACTIONS", "true")
                .containsEntry("GITHUB_RUN_ID", "42")
                .containsEntry("GITHUB_REPOSITORY", "acme/app")
                .containsEntry("GITHUB_TRIGGERING_ACTOR", "ada")
                .containsEntry("GITHUB_SHA", "")
                .containsEntry("RUNNER_OS", "Linux");
        assertThat(JobRun.runId(workflow)).isEqualTo("42");
        assertThat(JobRun.runId(spec())).as("a job submitted on its own").isNull();
    }

    @Test
    void aRunnerBugEndsTheAttemptAsFailedWithAReasonInsteadOfLeavingItToExpire() {
        job(assignment(spec()), (spec, ws, e, out, control, api, s) -> {
                    throw new IllegalStateException("boom");
                })
                .run();
        assertThat(calls.completions).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo(JobState.FAILED);
            assertThat(c.reason()).isEqualTo("runner error: java.lang.IllegalStateException: boom");
        });
        assertThat(calls.log()).endsWith("[runway] job failed: runner error: java.lang.IllegalStateException: boom\n");
    }

    @Test
    void anAbandonedAttemptReportsNothing() {
        JobRun job = job(assignment(spec()), (spec, ws, e, out, control, api, s) -> {
            control.abandon("the control plane no longer knows this attempt");
            return new Executor.Outcome(JobState.CANCELLED, "abandoned", List.of());
        });
        job.run();
        assertThat(calls.completions).isEmpty();
        assertThat(job.completed()).isNull();
        assertThat(workspace.get()).doesNotExist();
    }

    @Test
    void anAttemptTheDeadMansSwitchStoppedIsLostSaysWhyInItsLogAndIsNotReported() {
        JobRun job = job(assignment(spec()), (spec, ws, e, out, control, api, s) -> {
            switchStopped.set(true); // the switch killed the steps while they ran
            return new Executor.Outcome(JobState.FAILED, "step killed", List.of());
        });
        job.run();
        assertThat(calls.completions).isEmpty();
        assertThat(calls.log()).isEqualTo("[runway] " + JobRun.STOPPED_BY_SWITCH + ": attempt 2 stopped\n");
    }

    @Test
    void aCompletionThatMayPassIsRetriedWithBackoffAndARefusalIsNot() {
        calls.completionFailures.add(new ConnectException("connection refused"));
        calls.completionFailures.add(new ServerException(503, "unavailable", "draining", ""));
        job(assignment(spec()), succeeding()).run();
        assertThat(calls.completions)
                .hasSize(3)
                .extracting(CompleteRequest::result)
                .containsOnly(JobState.SUCCEEDED);
        assertThat(waited).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500));

        calls.completions.clear();
        waited.clear();
        calls.completionFailures.add(new ServerException(409, "stale_attempt", "attempt 2 is not current", ""));
        job(assignment(spec()), succeeding()).run();
        assertThat(calls.completions).hasSize(1);
        assertThat(waited).isEmpty();
    }

    @Test
    void anAttemptThatCannotBePreparedFailsWithTheReason() throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("work"), "a file where the work directory should be");
        Map<String, String> seen = new HashMap<>();
        job(assignment(spec()), (spec, ws, e, out, control, api, s) -> {
                    seen.putAll(e);
                    return new Executor.Outcome(JobState.SUCCEEDED, null, List.of());
                })
                .run();
        assertThat(seen).as("nothing ran").isEmpty();
        assertThat(calls.completions).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo(JobState.FAILED);
            assertThat(c.reason()).startsWith("runner could not prepare the job: ");
        });
    }
}
