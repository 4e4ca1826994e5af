package dev.runway.workflow.calls;

import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.WorkflowCall;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code inputs} context of a called workflow's jobs: each input the callee declares under {@code
 * on.workflow_call.inputs}, from the caller's {@code with:} (evaluated in the caller's context: its {@code needs},
 * {@code matrix}, {@code github}, {@code inputs}, {@code vars}), else its default, else the empty value of its type
 * ({@code ''}, {@code false}, {@code 0}); typed as declared.
 */
public final class CallInputs {
    /**
     * @throws IllegalArgumentException naming the input: a required one not given, a value not of its type, an input
     *     the callee does not declare
     * @throws dev.runway.workflow.expr.ExpressionException when a {@code with:} expression fails
     */
    public static Map<String, Object> resolve(
            WorkflowCall declared, Map<String, String> with, Templates.Scope callerScope) {
        for (String given : with.keySet()) {
            if (!declared.inputs().containsKey(given))
                throw new IllegalArgumentException(
                        "input '" + given + "' is not defined in the called workflow (its inputs: "
                                + (declared.inputs().isEmpty()
                                        ? "none"
                                        : String.join(", ", declared.inputs().keySet()))
                                + ")");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (var d : declared.inputs().entrySet()) {
            String name = d.getKey();
            WorkflowCall.Input in = d.getValue();
            Value v;
            if (with.containsKey(name)) {
                v = Templates.value(with.get(name), callerScope);
            } else if (in.defaultValue() != null) {
                Object dflt = in.defaultValue();
                v = dflt instanceof String s ? Templates.value(s, callerScope) : Templates.fromJava(dflt);
            } else if (in.required()) {
                throw new IllegalArgumentException("input '" + name + "' is required, but not provided while calling");
            } else {
                v = switch (in.type()) {
                    case "boolean" -> Value.FALSE;
                    case "number" -> new Value.Num(0);
                    default -> new Value.Str("");
                };
            }
            out.put(name, typed(name, in.type(), v));
        }
        return out;
    }

    private static @Nullable Object typed(String name, String type, Value v) {
        switch (type) {
            case "boolean" -> {
                if (v instanceof Value.Bool b) return b.value();
                if (v instanceof Value.Str s
                        && (s.value().equals("true") || s.value().equals("false")))
                    return Boolean.parseBoolean(s.value());
                throw new IllegalArgumentException(
                        "input '" + name + "' is a boolean; got " + describe(v) + " (use true or false)");
            }
            case "number" -> {
                if (v instanceof Value.Num n) return Templates.toJava(n);
                if (v instanceof Value.Str s && !s.value().isBlank()) {
                    try {
                        return Templates.toJava(
                                new Value.Num(Double.parseDouble(s.value().strip())));
                    } catch (NumberFormatException e) {
                        // not a number: the error below
                    }
                }
                throw new IllegalArgumentException("input '" + name + "' is a number; got " + describe(v));
            }
            default -> {
                if (!v.primitive())
                    throw new IllegalArgumentException("input '" + name + "' is a string; got " + describe(v));
                return v instanceof Value.Null ? "" : v.coerceString();
            }
        }
    }

    private static String describe(Value v) {
        return switch (v) {
            case Value.Str s -> "'" + s.value() + "'";
            case Value.Arr a -> "an array";
            case Value.Obj o -> "an object";
            case Value.Null n -> "null";
            default -> v.coerceString();
        };
    }

    private CallInputs() {}
}
