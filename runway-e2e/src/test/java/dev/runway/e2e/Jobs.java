package dev.runway.e2e;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test-data builder for job specs: {@code aJob("x").step("a", "echo hi").labels("linux").build()}. */
final class Jobs {
    private final String name;
    private final List<StepSpec> steps = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private List<String> labels = List.of();
    private Integer timeoutSeconds;
    private Integer maxAttempts;
    private Object container;
    private final Map<String, Object> services = new LinkedHashMap<>();

    private Jobs(String name) {
        this.name = name;
    }

    static Jobs aJob(String name) {
        return new Jobs(name);
    }

    Jobs step(String stepName, String run) {
        steps.add(StepSpec.of(stepName, run));
        return this;
    }

    Jobs step(String stepName, String run, int timeoutSeconds) {
        steps.add(new StepSpec(stepName, run, Map.of(), null, timeoutSeconds, null));
        return this;
    }

    Jobs labels(String... l) {
        labels = List.of(l);
        return this;
    }

    Jobs env(String k, String v) {
        env.put(k, v);
        return this;
    }

    Jobs timeoutSeconds(int t) {
        timeoutSeconds = t;
        return this;
    }

    Jobs maxAttempts(int n) {
        maxAttempts = n;
        return this;
    }

    Jobs container(Object c) {
        container = c;
        return this;
    }

    Jobs service(String serviceName, Object s) {
        services.put(serviceName, s);
        return this;
    }

    JobSpec build() {
        return new JobSpec(
                name, labels, env, steps, timeoutSeconds, maxAttempts, null, Map.of(), container, Map.copyOf(services));
    }
}
