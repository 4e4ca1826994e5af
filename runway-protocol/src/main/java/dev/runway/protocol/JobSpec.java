package dev.runway.protocol;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What to run: the body of {@code POST /api/v1/jobs} and the spec handed to a runner. The control plane compiles
 * each job of a workflow run into one of these.
 *
 * @param labels a runner must carry all of them to take the job
 * @param timeoutSeconds job timeout; null means the server default
 * @param maxAttempts how many times the job may be started when runners are lost; null means server default
 * @param contexts for a workflow job, the expression contexts the control plane knows ({@code github}, {@code
 *     inputs}, {@code matrix}, {@code strategy}, {@code needs}, {@code vars}); its presence makes the runner evaluate
 *     {@code ${{ }}} in steps and {@code if:} conditions. Null for a plain job: its steps are taken literally.
 * @param outputs the workflow job's {@code outputs:}, evaluated by the runner when the job ends
 * @param container the workflow job's {@code container:} (an image name, or a mapping with {@code image}, {@code env},
 *     {@code options}...), expressions evaluated; null to run on the runner's host
 * @param services the workflow job's {@code services:} by name, in the same form
 */
public record JobSpec(
        String name,
        List<String> labels,
        Map<String, String> env,
        List<StepSpec> steps,
        @Nullable Integer timeoutSeconds,
        @Nullable Integer maxAttempts,
        @Nullable Map<String, Object> contexts,
        Map<String, String> outputs,
        @Nullable Object container,
        Map<String, Object> services) {
    public JobSpec {
        services = services == null ? Map.of() : services;
        labels = labels == null ? List.of() : List.copyOf(labels);
        env = env == null ? Map.of() : Map.copyOf(env);
        steps = steps == null ? List.of() : List.copyOf(steps);
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }

    /** A plain job (no workflow expressions). */
    public JobSpec(
            String name,
            List<String> labels,
            Map<String, String> env,
            List<StepSpec> steps,
            @Nullable Integer timeoutSeconds,
            @Nullable Integer maxAttempts) {
        this(name, labels, env, steps, timeoutSeconds, maxAttempts, null, Map.of(), null, Map.of());
    }

    /** Whether this job came from a workflow (its steps hold expressions to evaluate). */
    public boolean workflow() {
        return contexts != null;
    }

    public JobSpec withContexts(@Nullable Map<String, Object> contexts) {
        return new JobSpec(
                name, labels, env, steps, timeoutSeconds, maxAttempts, contexts, outputs, container, services);
    }

    public JobSpec withLimits(int timeoutSeconds, int maxAttempts) {
        return new JobSpec(
                name, labels, env, steps, timeoutSeconds, maxAttempts, contexts, outputs, container, services);
    }
}
