package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobState;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the supervisor ends a real process and what it says about it. */
class ProcessSupervisorTest {
    /** A plain child process of the test JVM, as a step host's started script. */
    private static ProcessSupervisor.Start process(String script) {
        return () -> {
            Process p = new ProcessBuilder("sh", "-c", script).inheritIO().start();
            return new StepHost.Running() {
                @Override
                public boolean waitFor(long nanos) throws InterruptedException {
                    return nanos == Long.MAX_VALUE ? p.waitFor() >= 0 : p.waitFor(nanos, TimeUnit.NANOSECONDS);
                }

                @Override
                public void kill() {
                    p.destroyForcibly();
                }

                @Override
                public int exitCode() {
                    return p.exitValue();
                }

                @Override
                public void finish(boolean exitedByItself) throws InterruptedException {
                    p.waitFor();
                }
            };
        };
    }

    @Test
    void anExitCodeIsTheStepsOutcome() {
        ProcessSupervisor s = new ProcessSupervisor(new JobControl(), Long.MAX_VALUE);
        assertThat(s.supervise(process("exit 0"), () -> null, null))
                .isEqualTo(new StepRun(JobState.SUCCEEDED, 0, null));
        assertThat(s.supervise(process("exit 3"), () -> null, null)).isEqualTo(new StepRun(JobState.FAILED, 3, null));
        assertThat(s.supervise(process("exit 137"), () -> "killed for memory", null))
                .isEqualTo(new StepRun(JobState.FAILED, null, "killed for memory (exit code 137)"));
    }

    @Test
    void theStepsTimeoutAndTheJobsDeadlineKillTheProcess() {
        ProcessSupervisor s = new ProcessSupervisor(new JobControl(), Long.MAX_VALUE);
        assertThat(s.supervise(process("sleep 30"), () -> null, 1))
                .isEqualTo(new StepRun(JobState.TIMED_OUT, null, "step timed out after 1 s"));
        ProcessSupervisor job =
                new ProcessSupervisor(new JobControl(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(job.supervise(process("sleep 30"), () -> null, 60))
                .isEqualTo(new StepRun(JobState.TIMED_OUT, null, "job timed out after the job timeout"));
    }

    @Test
    void aStopKillsTheProcessAndReportsTheStopsResult() throws Exception {
        JobControl control = new JobControl();
        ProcessSupervisor s = new ProcessSupervisor(control, Long.MAX_VALUE);
        CompletableFuture<StepRun> run =
                CompletableFuture.supplyAsync(() -> s.supervise(process("sleep 30"), () -> null, null));
        control.cancel("cancelled by alice");
        assertThat(run.get(20, TimeUnit.SECONDS))
                .isEqualTo(new StepRun(JobState.CANCELLED, null, "cancelled by alice"));
    }

    @Test
    void aProcessThatCannotStartFailsTheStep() {
        ProcessSupervisor s = new ProcessSupervisor(new JobControl(), Long.MAX_VALUE);
        assertThat(s.supervise(
                        () -> {
                            throw new IOException("no such file");
                        },
                        () -> null,
                        null))
                .isEqualTo(new StepRun(JobState.FAILED, null, "cannot start step: no such file"));
    }

    @Test
    void aScriptRunsWithItsShellAsGitHubsRunnerRunsIt() {
        java.nio.file.Path f = java.nio.file.Path.of("/w/.files/step-0.sh");
        assertThat(ScriptStep.command("bash", f))
                .containsExactly("bash", "--noprofile", "--norc", "-eo", "pipefail", "/w/.files/step-0.sh");
        assertThat(ScriptStep.command("sh", f)).containsExactly("sh", "-e", "/w/.files/step-0.sh");
        assertThat(ScriptStep.command("python", f)).containsExactly("python3", "/w/.files/step-0.sh");
        assertThat(ScriptStep.command("perl -w {0}", f)).containsExactly("perl", "-w", "/w/.files/step-0.sh");
        assertThat(ScriptStep.command("fish", f)).isNull();
    }
}
