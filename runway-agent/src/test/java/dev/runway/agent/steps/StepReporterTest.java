package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobState;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The exact lines that frame a step in the log: logs of earlier agents looked the same, and tests compare them. */
class StepReporterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final WorkflowCommands out = new WorkflowCommands(bytes::write);
    private final StepReporter reporter = new StepReporter(out);

    private String log() {
        out.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aStepThatSucceededStartsWithATriangleAndEndsWithACheckAndItsTime() {
        reporter.started("Build");
        reporter.ended("Build", StepRun.SUCCEEDED, 12, false);
        assertThat(log()).isEqualTo("\u25b6 Build\n\u2714 Build (12 ms)\n");
    }

    @Test
    void aFailedStepNamesItsExitCodeOrWhy() {
        reporter.ended("Test", new StepRun(JobState.FAILED, 3, null), 5, false);
        reporter.ended("Test", new StepRun(JobState.FAILED, 3, null), 5, true);
        reporter.ended("Lint", StepRun.failed("shell 'fish' is not supported"), 5, false);
        assertThat(log())
                .isEqualTo("\u2718 step 'Test' exited with 3\n"
                        + "\u2718 step 'Test' exited with 3 (continue-on-error)\n"
                        + "\u2718 step 'Lint': shell 'fish' is not supported\n");
    }

    @Test
    void aTimeoutSaysOnlyWhyAndACancelNamesTheStep() {
        reporter.ended("Slow", new StepRun(JobState.TIMED_OUT, null, "step timed out after 1 s"), 1000, false);
        reporter.ended("Slow", new StepRun(JobState.CANCELLED, null, "cancelled"), 1000, false);
        assertThat(log()).isEqualTo("\u2718 step timed out after 1 s\n\u2718 Slow: cancelled\n");
    }

    @Test
    void preAndPostPhasesNameThemselvesAndTheirExitCode() {
        reporter.started("Post Cache");
        reporter.phaseEnded("Post Cache", StepRun.SUCCEEDED, 7);
        reporter.phaseEnded("Pre Setup", new StepRun(JobState.FAILED, 2, null), 7);
        reporter.phaseEnded("Post Upload", StepRun.failed("disk full"), 7);
        assertThat(log())
                .isEqualTo("\u25b6 Post Cache\n\u2714 Post Cache (7 ms)\n"
                        + "\u2718 Pre Setup: exited with 2\n"
                        + "\u2718 Post Upload: disk full\n");
    }

    @Test
    void theStepsOfACompositeActionAreIndentedTwoSpacesPerLevel() {
        StepReporter inner = reporter.nested().nested();
        inner.started("inner");
        inner.succeeded("inner", 1);
        inner.failed("why");
        assertThat(log()).isEqualTo("    \u25b6 inner\n    \u2714 inner (1 ms)\n    \u2718 why\n");
    }

    @Test
    void theLinesThatFollowAStartBelongToThatStep() {
        reporter.started("Build");
        out.line("::error::broken");
        assertThat(out.annotations()).singleElement().satisfies(a -> {
            assertThat(a.step()).isEqualTo("Build");
            assertThat(a.message()).isEqualTo("broken");
        });
    }
}
