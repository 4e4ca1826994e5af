package dev.runway.workflow.parse;

import dev.runway.workflow.expr.Templates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * GitHub's matrix expansion: the cartesian product of the keys, minus every combination an {@code exclude} entry
 * matches (on the keys it names), then each {@code include} entry is merged into every combination whose original
 * values it does not change, or added as a new combination if it fits none.
 */
public final class MatrixExpander {
    /** The most combinations one matrix may have (GitHub's limit). */
    public static final int MAX_COMBINATIONS = 256;

    /**
     * Expands a matrix known only at run time ({@link dev.runway.workflow.model.Strategy#matrixTemplate()}): the
     * whole matrix as one expression, or a mapping whose axes, {@code include} or {@code exclude} are expressions.
     *
     * @throws IllegalArgumentException with a message for the user when the result is not a valid matrix
     */
    public static List<Map<String, Object>> expandAtRunTime(Object template, Templates.Scope scope) {
        Object matrix = template instanceof String expr
                ? Templates.toJava(Templates.value(expr, scope))
                : Templates.evaluateAll(template, scope);
        if (!(matrix instanceof Map<?, ?> m))
            throw new IllegalArgumentException("the matrix expression must produce an object, not " + describe(matrix));
        Map<String, List<Object>> axes = new LinkedHashMap<>();
        List<Map<String, Object>> include = new ArrayList<>();
        List<Map<String, Object>> exclude = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (key.equals("include") || key.equals("exclude")) {
                if (!(v instanceof List<?> l))
                    throw new IllegalArgumentException("matrix '" + key + "' must be a list, not " + describe(v));
                for (Object i : l) {
                    if (!(i instanceof Map<?, ?> im))
                        throw new IllegalArgumentException("each matrix '" + key + "' entry must be an object");
                    Map<String, Object> entry = new LinkedHashMap<>();
                    im.forEach((a, b) -> entry.put(String.valueOf(a), b));
                    (key.equals("include") ? include : exclude).add(entry);
                }
            } else if (v instanceof List<?> l) {
                if (l.isEmpty()) throw new IllegalArgumentException("matrix '" + key + "' has no values");
                axes.put(key, new ArrayList<>(l));
            } else {
                throw new IllegalArgumentException("matrix '" + key + "' must be a list, not " + describe(v));
            }
        }
        List<Map<String, Object>> combos = expand(axes, include, exclude);
        if (combos.isEmpty()) throw new IllegalArgumentException("the matrix expands to no combinations");
        if (combos.size() > MAX_COMBINATIONS)
            throw new IllegalArgumentException("the matrix expands to " + combos.size() + " combinations; at most "
                    + MAX_COMBINATIONS + " are allowed");
        return combos;
    }

    private static String describe(Object o) {
        return o == null
                ? "null"
                : o instanceof String s
                        ? "the string '" + s + "'"
                        : o.getClass().getSimpleName();
    }

    public static List<Map<String, Object>> expand(
            Map<String, List<Object>> axes, List<Map<String, Object>> include, List<Map<String, Object>> exclude) {
        List<Map<String, Object>> combos = new ArrayList<>();
        if (!axes.isEmpty()) {
            combos.add(new LinkedHashMap<>());
            for (Map.Entry<String, List<Object>> axis : axes.entrySet()) {
                List<Map<String, Object>> next = new ArrayList<>();
                for (Map<String, Object> c : combos) {
                    for (Object v : axis.getValue()) {
                        Map<String, Object> n = new LinkedHashMap<>(c);
                        n.put(axis.getKey(), v);
                        next.add(n);
                    }
                }
                combos = next;
            }
        }
        combos.removeIf(c -> exclude.stream().anyMatch(x -> matches(c, x)));
        List<Map<String, Object>> originals = combos.stream()
                .map(m -> (Map<String, Object>) new LinkedHashMap<>(m))
                .toList();
        for (Map<String, Object> inc : include) {
            boolean merged = false;
            for (int i = 0; i < originals.size(); i++) { // includes extend the original combinations, not added ones
                Map<String, Object> original = originals.get(i);
                boolean compatible = inc.entrySet().stream()
                        .allMatch(e -> !original.containsKey(e.getKey())
                                || Objects.equals(original.get(e.getKey()), e.getValue()));
                if (compatible) {
                    combos.get(i).putAll(inc);
                    merged = true;
                }
            }
            if (!merged) combos.add(new LinkedHashMap<>(inc));
        }
        return combos;
    }

    private static boolean matches(Map<String, Object> combo, Map<String, Object> filter) {
        return filter.entrySet().stream().allMatch(e -> Objects.equals(combo.get(e.getKey()), e.getValue()));
    }

    private MatrixExpander() {}
}
