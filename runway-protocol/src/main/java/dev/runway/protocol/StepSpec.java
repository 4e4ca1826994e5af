package dev.runway.protocol;

import java.util.Map;

/**
 * One step of a job: a script run by {@code shell} (default {@code bash -eo pipefail}) in {@code
 * workingDirectory} (relative to the job workspace; default the workspace) with extra {@code env}.
 * {@code timeoutSeconds} null means no step timeout (the job timeout still applies).
 */
public record StepSpec(
        String name,
        String run,
        Map<String, String> env,
        String workingDirectory,
        Integer timeoutSeconds,
        String shell) {
    public StepSpec {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public static StepSpec of(String name, String run) {
        return new StepSpec(name, run, Map.of(), null, null, null);
    }
}
