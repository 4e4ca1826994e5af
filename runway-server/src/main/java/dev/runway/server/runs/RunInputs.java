package dev.runway.server.runs;

import dev.runway.workflow.model.Workflow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The event a run is started for, and its inputs checked against {@code on.workflow_dispatch.inputs}. */
public record RunInputs(String event, Map<String, Object> inputs) {
    /**
     * @throws IllegalArgumentException with a message for the user: an event the workflow has no trigger for, an
     *     unknown input, a required input missing, a value of the wrong type or not among a choice's options
     */
    public static RunInputs resolve(Workflow wf, String event, Map<String, String> given) {
        if (wf.on().isEmpty()) throw new IllegalArgumentException("the workflow has no 'on' triggers");
        String e = event == null || event.isBlank()
                ? wf.on().containsKey("workflow_dispatch")
                        ? "workflow_dispatch"
                        : wf.on().keySet().iterator().next()
                : event.strip();
        if (!wf.on().containsKey(e)) {
            throw new IllegalArgumentException("event: the workflow is not triggered by '" + e + "' (its triggers: "
                    + String.join(", ", wf.on().keySet()) + ")");
        }
        Map<String, Object> declared = declaredInputs(wf, e);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : given.keySet()) {
            if (!declared.containsKey(name)) {
                throw new IllegalArgumentException("inputs: '" + name + "' is not an input of this workflow"
                        + (declared.isEmpty()
                                ? " (it declares none for " + e + ")"
                                : " (its inputs: " + String.join(", ", declared.keySet()) + ")"));
            }
        }
        for (Map.Entry<String, Object> d : declared.entrySet()) {
            Map<?, ?> spec = d.getValue() instanceof Map<?, ?> m ? m : Map.of();
            String type = spec.get("type") == null ? "string" : String.valueOf(spec.get("type"));
            String raw = given.get(d.getKey());
            if (raw == null) {
                Object dflt = spec.get("default");
                boolean required = "true".equals(String.valueOf(spec.get("required")));
                if (required && dflt == null) {
                    throw new IllegalArgumentException("inputs: '" + d.getKey() + "' is required");
                }
                raw = dflt == null ? (type.equals("boolean") ? "false" : "") : String.valueOf(dflt);
            }
            out.put(d.getKey(), typed(d.getKey(), type, raw, spec.get("options")));
        }
        return new RunInputs(e, out);
    }

    private static Object typed(String name, String type, String raw, Object options) {
        switch (type) {
            case "boolean" -> {
                if (!raw.equals("true") && !raw.equals("false"))
                    throw new IllegalArgumentException(
                            "inputs: '" + name + "' is a boolean; use true or false, not '" + raw + "'");
                return Boolean.parseBoolean(raw);
            }
            case "number" -> {
                try {
                    double d = Double.parseDouble(raw);
                    return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : d;
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("inputs: '" + name + "' is a number, not '" + raw + "'");
                }
            }
            case "choice" -> {
                if (options instanceof List<?> l
                        && !l.stream().map(String::valueOf).toList().contains(raw)) {
                    throw new IllegalArgumentException("inputs: '" + raw + "' is not an option of '" + name
                            + "' (options: "
                            + String.join(", ", l.stream().map(String::valueOf).toList()) + ")");
                }
                return raw;
            }
            default -> {
                return raw;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> declaredInputs(Workflow wf, String event) {
        if (wf.on().get(event) instanceof Map<?, ?> m && m.get("inputs") instanceof Map<?, ?> inputs) {
            return (Map<String, Object>) inputs;
        }
        return Map.of();
    }
}
