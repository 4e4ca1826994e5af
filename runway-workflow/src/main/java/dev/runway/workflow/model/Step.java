package dev.runway.workflow.model;

import java.util.Map;

/** A step: either {@code run} (with {@code shell}) or {@code uses} (with {@code with}). */
public record Step(
        String id,
        String name,
        String ifCondition,
        String run,
        String shell,
        String workingDirectory,
        Map<String, String> env,
        String continueOnError,
        Integer timeoutMinutes,
        String uses,
        Map<String, String> with,
        int line) {}
