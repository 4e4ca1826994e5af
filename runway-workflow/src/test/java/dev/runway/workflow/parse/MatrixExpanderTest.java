package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The matrix is counted before it is built, walking prefixes instead of the product: it must still give exactly what
 * building the whole product and filtering it gives (GitHub's order), and refuse exactly when that has over 256.
 */
class MatrixExpanderTest {
    @Property(tries = 2000, seed = "16")
    void countingFirstGivesWhatBuildingEverythingGives(@ForAll long seed) {
        Random r = new Random(seed);
        Map<String, List<Object>> axes = new LinkedHashMap<>();
        int keys = 1 + r.nextInt(4);
        for (int k = 0; k < keys; k++) {
            List<Object> values = new ArrayList<>();
            int n = 1 + r.nextInt(r.nextInt(3) == 0 ? 12 : 4);
            for (int v = 0; v < n; v++) values.add(r.nextInt(3) == 0 ? "v" + v : (Object) (long) v);
            axes.put("k" + k, values);
        }
        List<Map<String, Object>> exclude = entries(r, axes, r.nextInt(6));
        List<Map<String, Object>> include = entries(r, axes, r.nextInt(4));
        List<Map<String, Object>> expected = naive(axes, include, exclude);
        if (expected.size() > MatrixExpander.MAX_COMBINATIONS) {
            assertThatThrownBy(() -> MatrixExpander.expand(axes, include, exclude))
                    .isInstanceOf(MatrixExpander.TooLarge.class);
        } else {
            assertThat(MatrixExpander.expand(axes, include, exclude)).isEqualTo(expected);
        }
    }

    /** Entries naming some axes (and now and then a key no axis has), with values they have or not. */
    static List<Map<String, Object>> entries(Random r, Map<String, List<Object>> axes, int n) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> e = new LinkedHashMap<>();
            for (var a : axes.entrySet()) {
                if (r.nextBoolean()) continue;
                e.put(
                        a.getKey(),
                        r.nextInt(5) == 0
                                ? "other"
                                : a.getValue().get(r.nextInt(a.getValue().size())));
            }
            if (r.nextInt(6) == 0) e.put("extra", r.nextBoolean() ? null : "x");
            out.add(e);
        }
        return out;
    }

    /** GitHub's expansion as the docs describe it, building the whole product first. */
    static List<Map<String, Object>> naive(
            Map<String, List<Object>> axes, List<Map<String, Object>> include, List<Map<String, Object>> exclude) {
        List<Map<String, Object>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (var axis : axes.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> c : combos) {
                for (Object v : axis.getValue()) {
                    Map<String, Object> m = new LinkedHashMap<>(c);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        combos.removeIf(c -> exclude.stream()
                .anyMatch(x -> x.entrySet().stream().allMatch(e -> Objects.equals(c.get(e.getKey()), e.getValue()))));
        List<Map<String, Object>> originals = combos.stream()
                .map(m -> (Map<String, Object>) new LinkedHashMap<>(m))
                .toList();
        for (Map<String, Object> inc : include) {
            boolean merged = false;
            for (int i = 0; i < originals.size(); i++) {
                Map<String, Object> o = originals.get(i);
                if (inc.entrySet().stream()
                        .allMatch(e -> !o.containsKey(e.getKey()) || Objects.equals(o.get(e.getKey()), e.getValue()))) {
                    combos.get(i).putAll(inc);
                    merged = true;
                }
            }
            if (!merged) combos.add(new LinkedHashMap<>(inc));
        }
        return combos;
    }
}
