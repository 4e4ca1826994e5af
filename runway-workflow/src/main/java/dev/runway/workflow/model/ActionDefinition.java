package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;

/**
 * A local action's {@code action.yml}: its inputs (default value and whether required), outputs (expressions over
 * its steps), and for a composite action ({@code runs.using: composite}) its steps.
 */
public record ActionDefinition(
        String name, Map<String, Input> inputs, Map<String, String> outputs, String using, List<Step> steps) {
    public record Input(String defaultValue, boolean required) {}
}
