package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A job of a workflow. Objects not interpreted yet (container, services, permissions) are kept as parsed YAML.
 *
 * @param environment the job's {@code environment:} as parsed YAML: a name, or a mapping with {@code name} and
 *     {@code url} (expressions not evaluated); null without one
 */
public record Job(
        String id,
        @Nullable String name,
        List<String> needs,
        List<String> runsOn,
        @Nullable String ifCondition,
        @Nullable Strategy strategy,
        @Nullable Integer timeoutSeconds,
        @Nullable String continueOnError,
        Map<String, String> env,
        Map<String, String> outputs,
        @Nullable Object container,
        @Nullable Map<String, Object> services,
        @Nullable Object concurrency,
        @Nullable Object permissions,
        Map<String, String> defaultsRun,
        List<Step> steps,
        int line,
        @Nullable Call call,
        @Nullable Object environment) {

    /** True for a job that calls a reusable workflow instead of running steps. */
    public boolean calls() {
        return call != null;
    }
}
