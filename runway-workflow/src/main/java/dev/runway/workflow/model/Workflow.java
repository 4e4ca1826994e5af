package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A parsed, validated workflow file; {@code workflowCall} is what it declares as a reusable workflow (null if it is
 * not one).
 * {@code on} keeps the triggers as parsed (event name → its filters/inputs). */
public record Workflow(
        String file,
        @Nullable String name,
        @Nullable String runName,
        Map<String, Object> on,
        Map<String, String> env,
        Map<String, String> defaultsRun,
        @Nullable Object concurrency,
        @Nullable Object permissions,
        Map<String, Job> jobs,
        List<String> jobOrder,
        @Nullable WorkflowCall workflowCall) {

    /** True when the workflow can be called ({@code on.workflow_call}). */
    public boolean reusable() {
        return workflowCall != null;
    }
}
