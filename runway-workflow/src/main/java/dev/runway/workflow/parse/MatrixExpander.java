package dev.runway.workflow.parse;

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
