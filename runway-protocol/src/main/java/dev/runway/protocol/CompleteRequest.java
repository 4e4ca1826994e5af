package dev.runway.protocol;

import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST .../complete}: the attempt's outcome. Idempotent for the same attempt. {@code outputs} are
 * the workflow job's evaluated {@code outputs:} (empty for plain jobs).
 */
public record CompleteRequest(JobState result, String reason, List<StepResult> steps, Map<String, String> outputs) {
    public CompleteRequest {
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }

    public CompleteRequest(JobState result, String reason, List<StepResult> steps) {
        this(result, reason, steps, Map.of());
    }
}
