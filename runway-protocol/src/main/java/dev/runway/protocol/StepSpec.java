package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * One step of a job: a script run by {@code shell} (default {@code bash -eo pipefail}) in {@code
 * workingDirectory} (relative to the job workspace; default the workspace) with extra {@code env}.
 * {@code timeoutSeconds} null means no step timeout (the job timeout still applies). The remaining fields come
 * from workflow steps: {@code id} names the step in the {@code steps} context, {@code condition} is its {@code
 * if:}, {@code uses}/{@code with} an action instead of {@code run}, {@code continueOnError} a boolean or expression.
 */
public record StepSpec(
        String name,
        String run,
        Map<String, String> env,
        String workingDirectory,
        Integer timeoutSeconds,
        String shell,
        String id,
        @JsonProperty("if") String condition,
        String uses,
        Map<String, String> with,
        String continueOnError) {
    public StepSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
        with = with == null ? Map.of() : Map.copyOf(with);
    }

    public StepSpec(
            String name,
            String run,
            Map<String, String> env,
            String workingDirectory,
            Integer timeoutSeconds,
            String shell) {
        this(name, run, env, workingDirectory, timeoutSeconds, shell, null, null, null, null, null);
    }

    public static StepSpec of(String name, String run) {
        return new StepSpec(name, run, Map.of(), null, null, null);
    }
}
