package dev.runway.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Workflow- and job-level env that the control plane left for the runner (issue 16 (a)). */
class SecretEnvTest {
    static JobSpec spec(Map<String, String> workflow, Map<String, String> job) {
        Map<String, Object> contexts = new LinkedHashMap<>();
        contexts.put("github", Map.of("event_name", "push"));
        contexts.put("runway", Map.of("secretEnv", Map.of("workflow", workflow, "job", job)));
        return new JobSpec("t", List.of(), Map.of("PLAIN", "p"), List.of(), null, 1, contexts, null, null, null);
    }

    @Test
    void workflowLevelFirstThenJobLevelWhichSeesIt() {
        JobSpec spec = spec(
                Map.of("WF", "${{ secrets.A }}-${{ github.event_name }}"),
                Map.of("JOB", "[${{ env.WF }}|${{ secrets.B }}|${{ env.PLAIN }}]"));
        Map<String, String> env = SecretEnv.evaluate(spec, spec.env(), Map.of("A", "alpha", "B", "beta"));
        assertThat(env).containsEntry("WF", "alpha-push").containsEntry("JOB", "[alpha-push|beta|p]");
    }

    @Test
    void anUnknownSecretIsEmptyAsOnGitHubAndABadExpressionNamesTheKey() {
        assertThat(SecretEnv.evaluate(spec(Map.of("X", "${{ secrets.NOPE }}"), Map.of()), Map.of(), Map.of()))
                .containsEntry("X", "");
        assertThatThrownBy(() -> SecretEnv.evaluate(
                        spec(Map.of(), Map.of("BAD", "${{ secrets.A ) }}")), Map.of(), Map.of("A", "v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("job env 'BAD': ")
                .hasMessageNotContaining("v\"");
    }

    @Test
    void aPlainJobOrASpecWithoutDeferredEnvAddsNothing() {
        assertThat(SecretEnv.evaluate(new JobSpec("t", List.of(), Map.of(), List.of(), null, 1), Map.of(), Map.of()))
                .isEmpty();
    }
}
