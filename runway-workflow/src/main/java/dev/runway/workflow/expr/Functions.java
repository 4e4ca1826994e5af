package dev.runway.workflow.expr;

import dev.runway.workflow.Limits;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The functions an expression may call, with their arities (checked when parsing). */
final class Functions {
    @FunctionalInterface
    interface Impl {
        Value call(List<Value> args, Evaluator.Environment env);
    }

    record Definition(String name, int minArgs, int maxArgs, boolean oddArgs, Impl impl) {}

    static final Functions STANDARD = new Functions();

    private final Map<String, Definition> byName = new LinkedHashMap<>();

    private Functions() {
        add("case", 3, Integer.MAX_VALUE, true, Functions::caseOf);
        add("contains", 2, 2, false, (a, e) -> contains(a.get(0), a.get(1)));
        add("startsWith", 2, 2, false, (a, e) -> affix(a, true));
        add("endsWith", 2, 2, false, (a, e) -> affix(a, false));
        add("format", 1, 255, false, (a, e) -> new Value.Str(format(a)));
        add("join", 1, 2, false, (a, e) -> join(a));
        add("toJSON", 1, 1, false, (a, e) -> new Value.Str(bounded(JsonValues.stringify(a.get(0)))));
        add("fromJSON", 1, 1, false, (a, e) -> fromJson(a.get(0)));
        add(
                "hashFiles",
                1,
                255,
                false,
                (a, e) -> new Value.Str(
                        e.hashFiles(a.stream().map(Value::coerceString).toList())));
        add("success", 0, 0, false, (a, e) -> Value.of(e.status() == Evaluator.Status.SUCCESS));
        add("failure", 0, 0, false, (a, e) -> Value.of(e.status() == Evaluator.Status.FAILURE));
        add("cancelled", 0, 0, false, (a, e) -> Value.of(e.status() == Evaluator.Status.CANCELLED));
        add("always", 0, 0, false, (a, e) -> Value.TRUE);
    }

    private void add(String name, int min, int max, boolean odd, Impl impl) {
        byName.put(name.toLowerCase(Locale.ROOT), new Definition(name, min, max, odd, impl));
    }

    @Nullable
    Definition get(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    private static Value caseOf(List<Value> args, Evaluator.Environment env) {
        for (int i = 0; i < args.size() - 1; i += 2) {
            if (!(args.get(i) instanceof Value.Bool b)) throw eval("case predicate must evaluate to a boolean value");
            if (b.value()) return args.get(i + 1);
        }
        return args.get(args.size() - 1);
    }

    private static Value contains(Value left, Value right) {
        if (left.primitive()) {
            if (right.primitive()) {
                return Value.of(left.coerceString()
                        .toLowerCase(Locale.ROOT)
                        .contains(right.coerceString().toLowerCase(Locale.ROOT)));
            }
        } else if (left instanceof Value.Arr arr) {
            for (Value v : arr.items()) {
                if (Evaluator.looseEquals(right, v)) return Value.TRUE;
            }
        }
        return Value.FALSE;
    }

    private static Value affix(List<Value> a, boolean start) {
        if (!a.get(0).primitive() || !a.get(1).primitive()) return Value.FALSE;
        String l = Evaluator.upper(a.get(0).coerceString());
        String r = Evaluator.upper(a.get(1).coerceString());
        return Value.of(start ? l.startsWith(r) : l.endsWith(r));
    }

    private static Value join(List<Value> a) {
        Value first = a.get(0);
        if (first.primitive()) return new Value.Str(first.coerceString());
        if (first instanceof Value.Arr arr) {
            String sep = a.size() > 1 && a.get(1).primitive() ? a.get(1).coerceString() : ",";
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < arr.items().size(); i++) {
                if (i > 0) out.append(sep);
                out.append(arr.items().get(i).coerceString());
                bounded(out);
            }
            return new Value.Str(out.toString());
        }
        return new Value.Str("");
    }

    private static Value fromJson(Value v) {
        String s = v.coerceString();
        if (s.isBlank()) throw eval("empty input");
        try {
            return JsonValues.parse(s);
        } catch (IOException | RuntimeException e) {
            throw eval("Error parsing JSON when evaluating fromJson");
        }
    }

    /** {@code format('{0} and {{literal}}', x)}, with GitHub's rules for escapes and invalid strings. */
    static String format(List<Value> args) {
        String fs = args.get(0).coerceString();
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < fs.length()) {
            int l = fs.indexOf('{', i);
            int r = fs.indexOf('}', i);
            if (l >= 0 && (r < 0 || r > l)) {
                if (charAt(fs, l + 1) == '{') {
                    out.append(fs, i, l + 1);
                    i = l + 2;
                    continue;
                }
                if (r > l + 1) {
                    int len = 0;
                    while (Character.isDigit(charAt(fs, l + 1 + len)) && charAt(fs, l + 1 + len) <= '9') len++;
                    if (len > 0) {
                        int n;
                        try {
                            n = Integer.parseInt(fs.substring(l + 1, l + 1 + len));
                        } catch (NumberFormatException e) {
                            throw eval("The following format string is invalid: " + fs);
                        }
                        if (1 + n > args.size() - 1)
                            throw eval(
                                    "The following format string references more arguments than were supplied: " + fs);
                        out.append(fs, i, l);
                        out.append(args.get(1 + n).coerceString());
                        bounded(out);
                        i = r + 1;
                        continue;
                    }
                }
                throw eval("The following format string is invalid: " + fs);
            } else if (r >= 0) {
                if (charAt(fs, r + 1) == '}') {
                    out.append(fs, i, r + 1);
                    i = r + 2;
                } else {
                    throw eval("The following format string is invalid: " + fs);
                }
            } else {
                out.append(fs.substring(i));
                break;
            }
        }
        return out.toString();
    }

    /** {@code s}, unless it is longer than {@link Limits#MAX_RESULT_CHARS}: then an error, before it grows more. */
    static <T extends CharSequence> T bounded(T s) {
        if (s.length() > Limits.MAX_RESULT_CHARS)
            throw eval("Maximum result size exceeded: an expression may produce at most " + Limits.MAX_RESULT_CHARS
                    + " characters");
        return s;
    }

    private static char charAt(String s, int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    static ExpressionException eval(String message) {
        return new ExpressionException(ExpressionException.Stage.EVALUATION, message, 0);
    }
}
