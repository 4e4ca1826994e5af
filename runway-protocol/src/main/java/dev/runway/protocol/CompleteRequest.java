package dev.runway.protocol;

import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST .../complete}: the attempt's outcome. Idempotent for the same attempt. {@code outputs} are
 * the workflow job's evaluated {@code outputs:} (empty for plain jobs); {@code
 * annotations} what its steps raised with {@code ::error::}, {@code ::warning::} and {@code ::notice::}; {@code
 * usage} what the attempt used, as far as its runner could measure; {@code secretsMasked} how many secret values
 * the runner masked in the attempt's log (SLI M10).
 */
public record CompleteRequest(
        JobState result,
        String reason,
        List<StepResult> steps,
        Map<String, String> outputs,
        List<Annotation> annotations,
        ResourceUsage usage,
        Long secretsMasked) {
    public CompleteRequest {
        if (secretsMasked == null || secretsMasked < 0) secretsMasked = 0L;
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
        annotations = annotations == null ? List.of() : List.copyOf(annotations);
        usage = usage == null ? ResourceUsage.UNKNOWN : usage;
    }

    public CompleteRequest(JobState result, String reason, List<StepResult> steps) {
        this(result, reason, steps, Map.of(), List.of(), ResourceUsage.UNKNOWN, 0L);
    }

    public CompleteRequest(
            JobState result,
            String reason,
            List<StepResult> steps,
            Map<String, String> outputs,
            List<Annotation> annotations) {
        this(result, reason, steps, outputs, annotations, ResourceUsage.UNKNOWN, 0L);
    }

    public CompleteRequest(
            JobState result,
            String reason,
            List<StepResult> steps,
            Map<String, String> outputs,
            List<Annotation> annotations,
            ResourceUsage usage) {
        this(result, reason, steps, outputs, annotations, usage, 0L);
    }
}
