package dev.runway.workflow.model;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A step: either {@code run} (with {@code shell}) or {@code uses} (with {@code with}). */
public record Step(
        @Nullable String id,
        @Nullable String name,
        @Nullable String ifCondition,
        @Nullable String run,
        @Nullable String shell,
        @Nullable String workingDirectory,
        Map<String, String> env,
        @Nullable String continueOnError,
        @Nullable Integer timeoutSeconds,
        @Nullable String uses,
        Map<String, String> with,
        int line) {}
