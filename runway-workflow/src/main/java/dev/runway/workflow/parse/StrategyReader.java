package dev.runway.workflow.parse;

import dev.runway.workflow.model.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** {@code strategy}: the matrix (expanded when static), fail-fast and max-parallel. */
final class StrategyReader {
    private final Fields f;
    private final Session s;

    StrategyReader(Fields f) {
        this.f = f;
        this.s = f.s;
    }

    /** Whether a {@code ${{ }}} is anywhere in {@code n}, keys included. */
    private static boolean hasExpression(@Nullable Node n) {
        if (n instanceof ScalarNode sc) return sc.getValue().contains("${{");
        if (n instanceof SequenceNode) return Yaml.items(n).stream().anyMatch(StrategyReader::hasExpression);
        return Yaml.entries(n).stream().anyMatch(t -> hasExpression(t.getKeyNode()) || hasExpression(t.getValueNode()));
    }

    @Nullable
    Strategy strategy(@Nullable Node n) {
        if (n == null) return null;
        Map<String, Node> k = f.mapping(n, Set.of("matrix", "fail-fast", "max-parallel"), true, "strategy");
        boolean failFast = !"false".equals(Fields.string(k.get("fail-fast")));
        Integer maxParallel = null;
        Node mpNode = k.get("max-parallel");
        String mp = Fields.string(mpNode);
        if (mpNode != null && mp != null && !mp.contains("${{")) {
            try {
                maxParallel = Integer.parseInt(mp);
                if (maxParallel < 1) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                s.error(mpNode, "max-parallel must be a positive whole number, not '" + mp + "'");
            }
        }
        Node m = k.get("matrix");
        if (m == null) return new Strategy(List.of(Map.of()), null, failFast, maxParallel);
        if (m instanceof ScalarNode sc) {
            ExpressionCheck.template(m, sc.getValue(), s);
            if (!sc.getValue().contains("${{"))
                s.error(m, "a matrix must be a mapping of names to lists, or an expression");
            return new Strategy(null, sc.getValue(), failFast, maxParallel);
        }
        Map<String, List<Object>> axes = new LinkedHashMap<>();
        List<Map<String, Object>> include = new ArrayList<>();
        List<Map<String, Object>> exclude = new ArrayList<>();
        boolean dynamic = false;
        for (NodeTuple t : Yaml.entries(m)) {
            String key = Yaml.scalar(t.getKeyNode());
            Node v = t.getValueNode();
            if ("include".equals(key) || "exclude".equals(key)) {
                if (v instanceof ScalarNode sv && sv.getValue().contains("${{")) {
                    dynamic = true;
                    ExpressionCheck.template(v, sv.getValue(), s);
                    continue;
                }
                if (!(v instanceof SequenceNode)) {
                    s.error(v, "matrix '" + key + "' must be a list of mappings");
                    continue;
                }
                for (Node i : Yaml.items(v)) {
                    if (!(i instanceof MappingNode)) {
                        s.error(i, "each matrix '" + key + "' entry must be a mapping");
                        continue;
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> entry = (Map<String, Object>) Yaml.toData(i);
                    ("include".equals(key) ? include : exclude).add(entry);
                }
            } else if (v instanceof SequenceNode) {
                List<Object> values = new ArrayList<>();
                for (Node i : Yaml.items(v)) values.add(Yaml.toData(i));
                if (values.isEmpty()) s.error(v, "matrix '" + key + "' has no values");
                axes.put(key, values);
            } else if (v instanceof ScalarNode sv && sv.getValue().contains("${{")) {
                dynamic = true;
                ExpressionCheck.template(v, sv.getValue(), s);
            } else {
                s.error(v, "matrix '" + key + "' must be a list of values (or an expression)");
            }
        }
        if (dynamic) return new Strategy(null, Yaml.toData(m), failFast, maxParallel);
        List<Map<String, Object>> combos;
        try {
            combos = MatrixExpander.expand(axes, include, exclude);
        } catch (IllegalArgumentException e) { // too many, counted before any was built
            s.error(m, String.valueOf(e.getMessage()));
            return new Strategy(List.of(), null, failFast, maxParallel);
        }
        if (combos.isEmpty()) s.error(m, "the matrix expands to no combinations (every combination is excluded)");
        else if (!hasExpression(n)) { // as GitHub's parser, which builds a matrix when it validates unless it has one
            int originals = include.isEmpty()
                    ? combos.size()
                    : MatrixExpander.expand(axes, List.of(), exclude).size();
            if (s.size.addMatrix(combos, originals, List.copyOf(axes.keySet())))
                s.error(
                        m,
                        "Maximum object size exceeded: " + ParsedSize.overMessage(s.size, "the workflow")
                                + "; the combinations of this matrix take it over the limit");
        }
        return new Strategy(combos, null, failFast, maxParallel);
    }
}
