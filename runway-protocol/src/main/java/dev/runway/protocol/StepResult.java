package dev.runway.protocol;

/**
 * Outcome of one step as reported by the agent. {@code result} is a {@link JobState} terminal value
 * ({@code succeeded}, {@code failed}, {@code cancelled}, {@code timed_out}) or null when the step was skipped.
 */
public record StepResult(String name, JobState result, Integer exitCode, Long durationMs) {}
