package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One step of a job: a script run by {@code shell} (default {@code bash -eo pipefail}) in {@code
 * workingDirectory} (relative to the job workspace; default the workspace) with extra {@code env}.
 * {@code timeoutSeconds} null means no step timeout (the job timeout still applies). The remaining fields come
 * from workflow steps: {@code id} names the step in the {@code steps} context, {@code condition} is its {@code
 * if:}, {@code uses}/{@code with} an action instead of {@code run}, {@code continueOnError} a boolean or expression.
 */
public record StepSpec(
        @Nullable String name,
        @Nullable String run,
        Map<String, String> env,
        @Nullable String workingDirectory,
        @Nullable Integer timeoutSeconds,
        @Nullable String shell,
        @Nullable String id,
        @JsonProperty("if") @Nullable String condition,
        @Nullable String uses,
        Map<String, String> with,
        @Nullable String continueOnError) {
    public StepSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
        with = with == null ? Map.of() : Map.copyOf(with);
    }

    public StepSpec(
            @Nullable String name,
            @Nullable String run,
            Map<String, String> env,
            @Nullable String workingDirectory,
            @Nullable Integer timeoutSeconds,
            @Nullable String shell) {
        this(name, run, env, workingDirectory, timeoutSeconds, shell, null, null, null, Map.of(), null);
    }

    public static StepSpec of(String name, String run) {
        return new StepSpec(name, run, Map.of(), null, null, null);
    }
}
