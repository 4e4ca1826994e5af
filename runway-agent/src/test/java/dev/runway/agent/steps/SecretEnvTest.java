package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobSpec;
import dev.runway.workflow.expr.Expressions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workflow- and job-level env that the control plane left for the runner (issue 16 (a)). */
public class SecretEnvTest {
    public static JobSpec spec(Map<String, String> workflow, Map<String, String> job) {
        Map<String, Object> contexts = new LinkedHashMap<>();
        contexts.put("github", Map.of("event_name", "push"));
        contexts.put("runway", Map.of("secretEnv", Map.of("workflow", workflow, "job", job)));
        return new JobSpec("t", List.of(), Map.of("PLAIN", "p"), List.of(), null, 1, contexts, null, null, null);
    }

    /** As the executor evaluates them: with a step's contexts (the runner's paths, the job's secrets). */
    static Map<String, String> evaluate(JobSpec spec, Map<String, String> env, Map<String, String> secrets) {
        StepExpressions e = new StepExpressions(
                spec, java.nio.file.Path.of("/work/job-1"), Map.of("temp", "/work/files/tmp"), secrets);
        return SecretEnv.evaluate(spec, env, known -> e.scope(known, Expressions.Status.SUCCESS));
    }

    @Test
    void runnerSideContextsHaveTheirValues() {
        JobSpec spec =
                spec(Map.of("WS", "${{ github.workspace }}/build"), Map.of("T", "${{ runner.temp }}|${{ env.WS }}"));
        assertThat(evaluate(spec, spec.env(), Map.of()))
                .containsEntry("WS", "/work/job-1/build")
                .containsEntry("T", "/work/files/tmp|/work/job-1/build");
    }

    @Test
    void workflowLevelFirstThenJobLevelWhichSeesIt() {
        JobSpec spec = spec(
                Map.of("WF", "${{ secrets.A }}-${{ github.event_name }}"),
                Map.of("JOB", "[${{ env.WF }}|${{ secrets.B }}|${{ env.PLAIN }}]"));
        Map<String, String> env = evaluate(spec, spec.env(), Map.of("A", "alpha", "B", "beta"));
        assertThat(env).containsEntry("WF", "alpha-push").containsEntry("JOB", "[alpha-push|beta|p]");
    }

    @Test
    void anUnknownSecretIsEmptyAsOnGitHubAndABadExpressionNamesTheKey() {
        assertThat(evaluate(spec(Map.of("X", "${{ secrets.NOPE }}"), Map.of()), Map.of(), Map.of()))
                .containsEntry("X", "");
        assertThatThrownBy(
                        () -> evaluate(spec(Map.of(), Map.of("BAD", "${{ secrets.A ) }}")), Map.of(), Map.of("A", "v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("job env 'BAD': ")
                .hasMessageNotContaining("v\"");
    }

    @Test
    void aPlainJobOrASpecWithoutDeferredEnvAddsNothing() {
        assertThat(SecretEnv.evaluate(new JobSpec("t", List.of(), Map.of(), List.of(), null, 1), Map.of(), known -> {
                    throw new AssertionError("nothing to evaluate");
                }))
                .isEmpty();
    }
}
