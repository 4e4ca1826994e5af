package dev.runway.workflow.model;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a reusable workflow declares under {@code on.workflow_call}: its inputs (typed, maybe required, maybe with a
 * default), its secrets (maybe required) and its outputs (each a value expression over the callee's jobs).
 */
public record WorkflowCall(Map<String, Input> inputs, Map<String, Boolean> secrets, Map<String, String> outputs) {
    public static final WorkflowCall NONE = new WorkflowCall(Map.of(), Map.of(), Map.of());

    /** An input: {@code type} is boolean, number or string. */
    public record Input(
            String type, boolean required, @Nullable Object defaultValue) {}
}
