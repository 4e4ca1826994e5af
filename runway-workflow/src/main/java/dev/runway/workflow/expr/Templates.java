package dev.runway.workflow.expr;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Run-time evaluation of workflow values: strings with embedded {@code ${{ }}}, whole-expression values (a
 * matrix or {@code runs-on} computed by an expression) and {@code if:} conditions, as GitHub evaluates them.
 * Plain Java data (maps, lists, strings, numbers, booleans, as JSON gives them) converts to and from {@link Value}.
 */
public final class Templates {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    /** Where an evaluation happens: the contexts, the job's status so far and how to hash files. */
    public record Scope(Value.Obj contexts, Expressions.Status status, Expressions.FileHasher hasher) {
        public Scope(Value.Obj contexts) {
            this(contexts, Expressions.Status.SUCCESS, patterns -> "");
        }

        public Scope withStatus(Expressions.Status s) {
            return new Scope(contexts, s, hasher);
        }
    }

    /** {@code value} with every {@code ${{ expr }}} replaced by the expression's value as a string. */
    public static String render(String value, Scope scope) {
        if (value == null || !value.contains("${{")) return value;
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int open = value.indexOf("${{", from);
            if (open < 0) break;
            int close = closing(value, open + 3);
            if (close < 0)
                throw new ExpressionException(
                        ExpressionException.Stage.PARSING, "an expression is not closed: '${{' without '}}'", open);
            out.append(value, from, open);
            Value v = evaluate(value.substring(open + 3, close).strip(), scope);
            out.append(v.primitive() ? v.coerceString() : JsonValues.stringify(v));
            Functions.bounded(out);
            from = close + 2;
        }
        out.append(value.substring(from));
        return out.toString();
    }

    /**
     * The value of {@code value}: if it is exactly one {@code ${{ expr }}}, the expression's value (an object,
     * array or number stays one); otherwise the rendered string.
     */
    public static Value value(String value, Scope scope) {
        if (value == null) return Value.NULL;
        String v = value.strip();
        if (v.startsWith("${{") && v.endsWith("}}") && closing(v, 3) == v.length() - 2) {
            return evaluate(v.substring(3, v.length() - 2).strip(), scope);
        }
        return new Value.Str(render(value, scope));
    }

    /**
     * An {@code if:} condition, written with or without {@code ${{ }}}; null or blank means {@code success()}. As on
     * GitHub, a condition that calls none of the status functions holds only while the job is successful.
     */
    public static boolean condition(String condition, Scope scope) {
        if (condition == null || condition.isBlank()) return scope.status() == Expressions.Status.SUCCESS;
        String c = condition.strip();
        if (c.startsWith("${{") && c.endsWith("}}") && closing(c, 3) == c.length() - 2) {
            c = c.substring(3, c.length() - 2).strip();
        } else if (c.contains("${{")) {
            // a template condition ("${{ a }} == b") is a non-empty string, so truthy: GitHub's behaviour too
            return scope.status() == Expressions.Status.SUCCESS
                    && !render(c, scope).isEmpty();
        }
        Expressions.Compiled e = Expressions.parse(c);
        if (!e.checksStatus() && scope.status() != Expressions.Status.SUCCESS) return false;
        return e.evaluate(scope.contexts(), scope.status(), scope.hasher()).truthy();
    }

    private static Value evaluate(String expression, Scope scope) {
        return Expressions.parse(expression).evaluate(scope.contexts(), scope.status(), scope.hasher());
    }

    /**
     * Parsed YAML data (maps, lists, scalars) with every string evaluated: a whole-expression string keeps its value's
     * type ({@link #value}), other strings are rendered.
     */
    public static @Nullable Object evaluateAll(@Nullable Object o, Scope scope) {
        if (o instanceof String s) return toJava(value(s, scope));
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), evaluateAll(v, scope)));
            return out;
        }
        if (o instanceof List<?> l)
            return l.stream().map(i -> evaluateAll(i, scope)).toList();
        return o;
    }

    /** Plain data (as Jackson reads JSON: maps, lists, strings, numbers, booleans, null) as an expression value. */
    public static Value fromJava(Object o) {
        return JsonValues.fromNode(MAPPER.valueToTree(o));
    }

    /** A context object from plain data; null becomes an empty object. */
    public static Value.Obj object(@Nullable Map<String, ?> m) {
        return m == null ? new Value.Obj() : (Value.Obj) fromJava(m);
    }

    /** An expression value as plain data (whole numbers become longs). */
    public static @Nullable Object toJava(Value v) {
        return switch (v) {
            case Value.Null n -> null;
            case Value.Bool b -> b.value();
            case Value.Num n ->
                n.value() == Math.rint(n.value()) && Math.abs(n.value()) < 1e15 ? (Object) (long) n.value() : n.value();
            case Value.Str s -> s.value();
            case Value.Arr a -> {
                List<Object> l = new ArrayList<>();
                for (Value i : a.items()) l.add(toJava(i));
                yield l;
            }
            case Value.Obj o -> {
                Map<String, Object> m = new LinkedHashMap<>();
                o.entries().forEach((k, x) -> m.put(k, toJava(x)));
                yield m;
            }
        };
    }

    /** Index of the {@code }}} that closes an expression opened before {@code from}, skipping quoted strings. */
    public static int closing(String v, int from) {
        boolean inString = false;
        for (int i = from; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == '\'') inString = !inString;
            else if (!inString && c == '}' && v.charAt(i + 1) == '}') return i;
        }
        return -1;
    }

    private Templates() {}
}
