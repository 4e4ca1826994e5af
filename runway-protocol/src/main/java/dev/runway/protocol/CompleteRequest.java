package dev.runway.protocol;

import java.util.List;

/** Body of {@code POST .../complete}: the attempt's outcome. Idempotent for the same attempt. */
public record CompleteRequest(JobState result, String reason, List<StepResult> steps) {}
