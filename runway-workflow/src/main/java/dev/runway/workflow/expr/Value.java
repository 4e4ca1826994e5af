package dev.runway.workflow.expr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A value of the workflow expression language, with GitHub's coercions: {@link #number()} (JavaScript's
 * {@code Number(x)}), {@link #coerceString()}, and truthiness. Objects look keys up case-insensitively and keep
 * the first spelling of a key.
 */
public sealed interface Value {
    enum Kind {
        NULL,
        BOOLEAN,
        NUMBER,
        STRING,
        ARRAY,
        OBJECT
    }

    Kind kind();

    /** Null, booleans, numbers and strings are primitives; arrays and objects are not. */
    default boolean primitive() {
        return kind() != Kind.ARRAY && kind() != Kind.OBJECT;
    }

    String coerceString();

    double number();

    default boolean truthy() {
        return switch (this) {
            case Null n -> false;
            case Bool b -> b.value();
            case Num n -> n.value() != 0 && !Double.isNaN(n.value());
            case Str s -> !s.value().isEmpty();
            default -> true;
        };
    }

    Null NULL = new Null();
    Bool TRUE = new Bool(true);
    Bool FALSE = new Bool(false);

    static Bool of(boolean b) {
        return b ? TRUE : FALSE;
    }

    record Null() implements Value {
        public Kind kind() {
            return Kind.NULL;
        }

        public String coerceString() {
            return "";
        }

        public double number() {
            return 0;
        }
    }

    record Bool(boolean value) implements Value {
        public Kind kind() {
            return Kind.BOOLEAN;
        }

        public String coerceString() {
            return value ? "true" : "false";
        }

        public double number() {
            return value ? 1 : 0;
        }
    }

    record Num(double value) implements Value {
        public Kind kind() {
            return Kind.NUMBER;
        }

        /** As GitHub: 0 prints as "0" (also -0), otherwise JavaScript's formatting after rounding to 15 decimals. */
        public String coerceString() {
            if (value == 0) return "0";
            return JsNumbers.toString(JsNumbers.roundTo15Decimals(value));
        }

        public double number() {
            return value;
        }
    }

    record Str(String value) implements Value {
        public Kind kind() {
            return Kind.STRING;
        }

        public String coerceString() {
            return value;
        }

        public double number() {
            return JsNumbers.parse(value);
        }
    }

    /** An array; {@code filtered} marks the result of an object filter ({@code .*}), which later accesses map over. */
    record Arr(List<Value> items, boolean filtered) implements Value {
        public Arr(List<Value> items) {
            this(items, false);
        }

        public Kind kind() {
            return Kind.ARRAY;
        }

        public String coerceString() {
            return "Array";
        }

        public double number() {
            return Double.NaN;
        }
    }

    /** An object with case-insensitive keys; the first spelling of a key wins, later duplicates are ignored. */
    final class Obj implements Value {
        private final LinkedHashMap<String, Value> byLowerKey = new LinkedHashMap<>();
        private final List<String> keys = new ArrayList<>();

        public Obj put(String key, Value value) {
            String k = key.toLowerCase(Locale.ROOT);
            if (!byLowerKey.containsKey(k)) {
                byLowerKey.put(k, value);
                keys.add(key);
            }
            return this;
        }

        public @Nullable Value get(String key) {
            return byLowerKey.get(key.toLowerCase(Locale.ROOT));
        }

        public List<String> keys() {
            return Collections.unmodifiableList(keys);
        }

        public List<Value> values() {
            return List.copyOf(byLowerKey.values());
        }

        public Map<String, Value> entries() {
            LinkedHashMap<String, Value> m = new LinkedHashMap<>();
            for (String k : keys) m.put(k, get(k));
            return m;
        }

        public Kind kind() {
            return Kind.OBJECT;
        }

        public String coerceString() {
            return "Object";
        }

        public double number() {
            return Double.NaN;
        }

        @Override
        public String toString() {
            return "Obj" + entries();
        }
    }
}
