package dev.runway.protocol;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/v1/runs}: start a workflow. The control plane reads {@code workflow} (a path in the
 * repository) from {@code repo} (a git URL or a path the control plane can read) at {@code ref} (branch, tag or
 * commit; default {@code HEAD}). Alternatively {@code source} carries the workflow file's text itself (then {@code
 * workflow} only names it in messages, and {@code repo}/{@code ref} are optional). {@code event} defaults to {@code
 * workflow_dispatch} when the workflow has that trigger, else to its first trigger; {@code inputs} are checked
 * against {@code on.workflow_dispatch.inputs}. {@code jobs} limits the run to those jobs and what they need;
 * {@code matrix} keeps only matrix legs with these values; {@code eventPayload} (a JSON object) is the run's
 * {@code github.event} as given, like a delivered webhook payload (`runway run --eventpath`); {@code workingTree} (with a local {@code repo}) makes
 * {@code actions/checkout} copy the repository's working tree, uncommitted changes included (`runway run`).
 */
public record RunRequest(
        @Nullable String repo,
        @Nullable String ref,
        @Nullable String workflow,
        @Nullable String source,
        @Nullable String event,
        Map<String, String> inputs,
        List<String> jobs,
        Map<String, String> matrix,
        @Nullable Boolean workingTree,
        @Nullable Map<String, Object> eventPayload) {
    public RunRequest {
        inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
        matrix = matrix == null ? Map.of() : Map.copyOf(matrix);
    }

    public RunRequest(
            @Nullable String repo,
            @Nullable String ref,
            @Nullable String workflow,
            @Nullable String source,
            @Nullable String event,
            Map<String, String> inputs) {
        this(repo, ref, workflow, source, event, inputs, List.of(), Map.of(), null, null);
    }

    /** Without an event payload. */
    public RunRequest(
            @Nullable String repo,
            @Nullable String ref,
            @Nullable String workflow,
            @Nullable String source,
            @Nullable String event,
            Map<String, String> inputs,
            List<String> jobs,
            Map<String, String> matrix,
            @Nullable Boolean workingTree) {
        this(repo, ref, workflow, source, event, inputs, jobs, matrix, workingTree, null);
    }
}
