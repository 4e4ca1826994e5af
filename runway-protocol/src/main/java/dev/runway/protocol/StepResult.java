package dev.runway.protocol;

import java.util.Map;

/**
 * Outcome of one step as reported by the agent. {@code result} is a {@link JobState} terminal value
 * ({@code succeeded}, {@code failed}, {@code cancelled}, {@code timed_out}) or null when the step was skipped;
 * {@code outputs} are what the step wrote to {@code GITHUB_OUTPUT}.
 */
public record StepResult(String name, JobState result, Integer exitCode, Long durationMs, Map<String, String> outputs) {
    public StepResult {
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }

    /** A step without outputs. */
    public StepResult(String name, JobState result, Integer exitCode, Long durationMs) {
        this(name, result, exitCode, durationMs, Map.of());
    }
}
