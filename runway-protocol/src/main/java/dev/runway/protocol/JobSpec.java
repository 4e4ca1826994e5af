package dev.runway.protocol;

import java.util.List;
import java.util.Map;

/**
 * What to run: the body of {@code POST /api/v1/jobs} and the spec handed to a runner. The workflow language
 * (its own module) compiles each workflow job into one of these.
 *
 * @param labels a runner must carry all of them to take the job
 * @param timeoutSeconds job timeout; null means the server default
 * @param maxAttempts how many times the job may be started when runners are lost; null means server default
 */
public record JobSpec(
        String name,
        List<String> labels,
        Map<String, String> env,
        List<StepSpec> steps,
        Integer timeoutSeconds,
        Integer maxAttempts) {
    public JobSpec {
        labels = labels == null ? List.of() : List.copyOf(labels);
        env = env == null ? Map.of() : Map.copyOf(env);
        steps = steps == null ? List.of() : List.copyOf(steps);
    }
}
