package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.protocol.Annotation;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepResult;
import dev.runway.protocol.StepSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: what a workflow job reports besides its log (step names, step and job outputs, the reason, annotations)
 * holds no secret value: outputs that hold one are dropped with a warning, as GitHub drops such job outputs, and
 * names are masked. Real bash steps.
 */
class SecretOutputsTest {
    static final String SECRET = "hunter2-Very-Secret";
    static final String ADDED = "added-at-runtime-42";

    @TempDir
    Path work;

    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    Executor.Outcome run(Map<String, String> jobOutputs, StepSpec... steps) throws Exception {
        Path workspace = Files.createDirectories(work.resolve("job-1"));
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(Map.of("PATH", System.getenv("PATH"))));
        JobSpec spec = new JobSpec(
                "t",
                List.of(),
                Map.of(),
                List.of(steps),
                null,
                1,
                Map.of("github", Map.of("repository", "acme/web")),
                jobOutputs,
                null,
                null);
        return new JobExecutor(new StepTracker(work))
                .run(
                        spec,
                        workspace,
                        env,
                        (b, off, len) -> log.write(b, off, len),
                        new JobControl(),
                        JobApi.NONE,
                        Map.of("TOKEN", SECRET));
    }

    static StepSpec step(String id, String name, String run) {
        return new StepSpec(name, run, Map.of(), null, null, null, id, null, null, null, null);
    }

    @Test
    void outputsHoldingASecretAreDroppedWithAWarningAndLaterStepsStillSeeThem() throws Exception {
        Executor.Outcome o = run(
                Map.of(
                        "plain", "${{ steps.make.outputs.plain }}",
                        "leak", "${{ steps.make.outputs.leak }}",
                        "direct", "prefix ${{ secrets.TOKEN }}",
                        "runtime", "${{ steps.make.outputs.runtime }}"),
                step(
                        "make",
                        "make",
                        String.join(
                                "\n",
                                "echo '::add-mask::" + ADDED + "'",
                                "echo plain=nothing-secret >> \"$GITHUB_OUTPUT\"",
                                "echo \"leak=x-${{ secrets.TOKEN }}-y\" >> \"$GITHUB_OUTPUT\"",
                                "echo \"b64=$(printf %s '${{ secrets.TOKEN }}' | base64)\" >> \"$GITHUB_OUTPUT\"",
                                "echo runtime=" + ADDED + " >> \"$GITHUB_OUTPUT\"",
                                "echo \"::set-output name=old::${{ secrets.TOKEN }}\"")),
                step(
                        "use",
                        "use",
                        "test '${{ steps.make.outputs.leak }}' = 'x-${{ secrets.TOKEN }}-y' && echo later-step-sees-it"));
        assertThat(o.result()).as(text()).isEqualTo(JobState.SUCCEEDED);
        StepResult make = o.steps().get(0);
        assertThat(make.outputs()).containsExactly(Map.entry("plain", "nothing-secret"));
        assertThat(o.outputs()).containsExactly(Map.entry("plain", "nothing-secret"));
        assertThat(text())
                .contains("later-step-sees-it")
                .contains("Warning: skip step 'make' output 'leak' since it may contain a secret")
                .contains("skip step 'make' output 'b64'")
                .contains("skip step 'make' output 'old'")
                .contains("skip step 'make' output 'runtime'")
                .contains("Warning: skip job output 'leak' since it may contain a secret")
                .contains("skip job output 'direct'")
                .contains("skip job output 'runtime'")
                .doesNotContain(SECRET, ADDED);
        assertThat(o.annotations())
                .extracting(Annotation::message)
                .contains("skip job output 'direct' since it may contain a secret");
    }

    @Test
    void stepNamesAndTheReasonAreMasked() throws Exception {
        Executor.Outcome o = run(
                Map.of(),
                step(null, "deploy with ${{ secrets.TOKEN }}", "echo '::warning title=t ${{ secrets.TOKEN }}::w'"),
                step(null, "fail ${{ secrets.TOKEN }}", "exit 3"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.steps()).extracting(StepResult::name).containsExactly("deploy with ***", "fail ***");
        assertThat(o.reason()).isEqualTo("step 'fail ***' exited with 3");
        assertThat(o.annotations()).singleElement().satisfies(a -> {
            assertThat(a.step()).isEqualTo("deploy with ***");
            assertThat(a.title()).isEqualTo("t ***");
        });
        assertThat(text()).contains("deploy with ***").doesNotContain(SECRET);
    }

    String text() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /**
     * An env expression that fails may quote its text, and format()'s error quotes the format string: a JSON secret
     * (braces) given to format() must not reach the reason or the log in plain text (found by review).
     */
    @Test
    void aFailingEnvExpressionDoesNotQuoteTheSecret() throws Exception {
        Path workspace = Files.createDirectories(work.resolve("job-1"));
        String json = "{\"key\":\"" + SECRET + "\"}";
        JobSpec spec = SecretEnvTest.spec(Map.of(), Map.of("K", "${{ format(secrets.JSON, 'x') }}"));
        Executor.Outcome o = new JobExecutor(new StepTracker(work))
                .run(
                        spec,
                        workspace,
                        new HashMap<>(JobExecutor.baseEnvironment(Map.of("PATH", System.getenv("PATH")))),
                        (b, off, len) -> log.write(b, off, len),
                        new JobControl(),
                        JobApi.NONE,
                        Map.of("JSON", json));
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(o.result()).as(text).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).startsWith("job env 'K': ").doesNotContain(SECRET);
        assertThat(text).contains("job env 'K': ").doesNotContain(SECRET);
    }
}
