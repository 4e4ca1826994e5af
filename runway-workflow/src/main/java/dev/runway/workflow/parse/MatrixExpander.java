package dev.runway.workflow.parse;

import dev.runway.workflow.expr.Templates;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * GitHub's matrix expansion: the cartesian product of the keys, minus every combination an {@code exclude} entry
 * matches (on the keys it names), then each {@code include} entry is merged into every combination whose original
 * values it does not change, or added as a new combination if it fits none.
 */
public final class MatrixExpander {
    /** The most combinations one matrix may have (GitHub's limit). */
    public static final int MAX_COMBINATIONS = dev.runway.workflow.Limits.MAX_MATRIX_JOBS;

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
        return combos;
    }

    private static String describe(@Nullable Object o) {
        return o == null
                ? "null"
                : o instanceof String s
                        ? "the string '" + s + "'"
                        : o.getClass().getSimpleName();
    }

    /** A matrix that would produce more than {@link #MAX_COMBINATIONS} jobs; the message says how many. */
    public static final class TooLarge extends IllegalArgumentException {
        TooLarge(String count) {
            super("the matrix has " + count + " combinations; at most " + MAX_COMBINATIONS
                    + " jobs may come from one matrix");
        }
    }

    /** Units of work (exclude entries tested against a partial combination) counting one matrix may take. */
    static final long MAX_COUNTING_WORK = 20_000_000;

    /**
     * The combinations: the cartesian product (first key outermost), minus the excluded ones, plus the includes.
     * Counted before anything is built, so a matrix of 10 keys of 10 values is refused at once.
     *
     * @throws TooLarge if there would be more than {@link #MAX_COMBINATIONS}
     */
    public static List<Map<String, Object>> expand(
            Map<String, List<Object>> axes, List<Map<String, Object>> include, List<Map<String, Object>> exclude) {
        List<Map<String, Object>> combos = new ArrayList<>();
        if (!axes.isEmpty()) new Product(axes, exclude).walk(combos);
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
            if (combos.size() > MAX_COMBINATIONS) throw new TooLarge("more than " + MAX_COMBINATIONS);
        }
        return combos;
    }

    /**
     * The product of the axes minus the excluded combinations, walked depth first without recursion: a partial
     * combination that no exclude entry can still match stands for all its completions, counted by multiplication,
     * and one that an entry matches entirely is dropped with all of them. The count comes first; the combinations
     * are built only when it is within the limit.
     */
    private static final class Product {
        private final List<String> keys;
        private final List<List<Object>> values;
        private final List<Map<String, Object>> excludes = new ArrayList<>();
        private final BigInteger[] suffix; // product of the sizes of axes i.. (the completions of a prefix)

        Product(Map<String, List<Object>> axes, List<Map<String, Object>> exclude) {
            keys = new ArrayList<>(axes.keySet());
            values = new ArrayList<>(axes.values());
            for (Map<String, Object> x : exclude) {
                Map<String, Object> e = new LinkedHashMap<>();
                boolean canMatch = true;
                for (Map.Entry<String, Object> kv : x.entrySet()) {
                    if (axes.containsKey(kv.getKey())) e.put(kv.getKey(), kv.getValue());
                    else if (kv.getValue() != null) canMatch = false; // a combination has no such key
                }
                if (canMatch) excludes.add(e);
            }
            suffix = new BigInteger[keys.size() + 1];
            suffix[keys.size()] = BigInteger.ONE;
            for (int i = keys.size() - 1; i >= 0; i--)
                suffix[i] =
                        suffix[i + 1].multiply(BigInteger.valueOf(values.get(i).size()));
        }

        private record Prefix(int level, List<Object> chosen, List<Map<String, Object>> alive) {}

        /** Adds the combinations to {@code out}, or throws {@link TooLarge} having built none. */
        void walk(List<Map<String, Object>> out) {
            if (excludes.isEmpty() && suffix[0].compareTo(BigInteger.valueOf(MAX_COMBINATIONS)) > 0)
                throw new TooLarge(suffix[0].toString());
            visit(null);
            visit(out);
        }

        private void visit(@Nullable List<Map<String, Object>> out) {
            BigInteger total = BigInteger.ZERO;
            BigInteger limit = BigInteger.valueOf(MAX_COMBINATIONS);
            long work = 0;
            java.util.Deque<Prefix> todo = new java.util.ArrayDeque<>();
            todo.push(new Prefix(0, List.of(), excludes));
            while (!todo.isEmpty()) {
                Prefix p = todo.pop();
                if (p.alive().stream().anyMatch(Map::isEmpty)) continue; // excluded, with all its completions
                if (p.alive().isEmpty()) {
                    total = total.add(suffix[p.level()]);
                    if (total.compareTo(limit) > 0) throw new TooLarge("more than " + MAX_COMBINATIONS);
                    if (out != null) complete(p.chosen(), p.level(), out);
                    continue;
                }
                List<Object> axis = values.get(p.level());
                String key = keys.get(p.level());
                for (int i = axis.size() - 1; i >= 0; i--) { // pushed last first: popped in order
                    Object v = axis.get(i);
                    List<Map<String, Object>> alive = new ArrayList<>();
                    for (Map<String, Object> x : p.alive()) {
                        if (++work > MAX_COUNTING_WORK)
                            throw new IllegalArgumentException("the matrix's exclude entries are too many to apply");
                        if (!x.containsKey(key)) alive.add(x);
                        else if (Objects.equals(x.get(key), v)) {
                            Map<String, Object> rest = new LinkedHashMap<>(x);
                            rest.remove(key);
                            alive.add(rest);
                        }
                    }
                    List<Object> chosen = new ArrayList<>(p.chosen());
                    chosen.add(v);
                    todo.push(new Prefix(p.level() + 1, chosen, alive));
                }
            }
        }

        /** Every completion of {@code chosen} (the values of the first {@code level} axes), last axis fastest. */
        private void complete(List<Object> chosen, int level, List<Map<String, Object>> out) {
            int[] at = new int[keys.size()];
            while (true) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < keys.size(); i++)
                    m.put(keys.get(i), i < level ? chosen.get(i) : values.get(i).get(at[i]));
                out.add(m);
                int i = keys.size() - 1;
                while (i >= level && ++at[i] == values.get(i).size()) at[i--] = 0;
                if (i < level) return;
            }
        }
    }

    private static boolean matches(Map<String, Object> combo, Map<String, Object> filter) {
        return filter.entrySet().stream().allMatch(e -> Objects.equals(combo.get(e.getKey()), e.getValue()));
    }

    private MatrixExpander() {}
}
