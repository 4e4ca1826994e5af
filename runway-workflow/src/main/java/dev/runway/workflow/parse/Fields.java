package dev.runway.workflow.parse;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reading typed fields out of YAML nodes, reporting every problem to the session. Shared by the readers. */
final class Fields {
    final Session s;

    Fields(Session s) {
        this.s = s;
    }

    /** Keys of a mapping; unknown ones are warnings ({@code closed} false) or errors ({@code closed} true). */
    /**
     * A mapping whose keys must be {@code known} (others are errors, as GitHub's parser has them), except
     * {@code ignored}: keys GitHub knows that Runway does not act on, a warning each.
     */
    Map<String, Node> mapping(Node n, Set<String> known, Set<String> ignored, String what) {
        Set<String> all = new java.util.HashSet<>(known);
        all.addAll(ignored);
        Map<String, Node> out = mapping(n, all, true, what);
        for (NodeTuple t : Yaml.entries(n)) {
            String key = Yaml.scalar(t.getKeyNode());
            if (key != null && ignored.contains(key))
                s.warning(t.getKeyNode(), "'" + key + "' in " + what + " is not acted on by Runway; it is ignored");
        }
        return out;
    }

    Map<String, Node> mapping(Node n, Set<String> known, boolean closed, String what) {
        Map<String, Node> out = new HashMap<>();
        if (!(n instanceof MappingNode)) {
            s.error(n, what + " must be a mapping");
            return out;
        }
        for (NodeTuple t : Yaml.entries(n)) {
            String key = Yaml.isNull(t.getKeyNode()) ? "" : Yaml.scalar(t.getKeyNode());
            if (key == null || key.isEmpty()) {
                s.error(
                        t.getKeyNode(),
                        "Unexpected value '" + (key == null ? "" : key) + "' (a key must be a non-empty string)");
                continue;
            }
            if (out.containsKey(key)) {
                s.error(t.getKeyNode(), "'" + key + "' is already defined");
                continue;
            }
            if (!known.contains(key)) {
                if (closed) s.error(t.getKeyNode(), "Unexpected value '" + key + "'");
                else
                    s.warning(
                            t.getKeyNode(),
                            "unknown key '" + key + "' in " + what + " is ignored (expected one of "
                                    + String.join(", ", known.stream().sorted().toList()) + ")");
                continue;
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    Map<String, String> stringMap(@Nullable Node n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null) return out;
        if (n instanceof ScalarNode sc && sc.getValue().contains("${{")) {
            checkTemplate(n);
            return out;
        }
        if (!(n instanceof MappingNode)) {
            s.error(n, "expected a mapping of names to values");
            return out;
        }
        for (NodeTuple t : Yaml.entries(n)) {
            String key = Yaml.scalar(t.getKeyNode());
            Node v = t.getValueNode();
            if (!(v instanceof ScalarNode)) {
                s.error(v, "the value of '" + key + "' must be a string, number or boolean");
                continue;
            }
            checkTemplate(v);
            out.put(key, Yaml.isNull(v) ? "" : Yaml.scalar(v));
        }
        return out;
    }

    /** {@code timeout-minutes} in seconds (rounded up): a number of minutes, fractions allowed as on GitHub. */
    @Nullable
    Integer timeoutSeconds(@Nullable Node n) {
        if (n == null) return null;
        String v = string(n);
        if (v == null || v.contains("${{")) {
            checkTemplate(n);
            return null;
        }
        try {
            double d = Double.parseDouble(v);
            if (d <= 0) s.warning(n, "timeout-minutes " + v + " is not positive; the default timeout applies");
            // in seconds: GitHub takes a fraction of a minute (0.5 is 30 s)
            return d <= 0 ? null : (int) Math.min(Integer.MAX_VALUE, Math.ceil(d * 60));
        } catch (NumberFormatException e) {
            s.error(n, "timeout-minutes must be a positive number, not '" + v + "'");
            return null;
        }
    }

    void checkTemplate(@Nullable Node n) {
        if (n instanceof ScalarNode sc) ExpressionCheck.template(n, sc.getValue(), s);
    }

    void checkTemplates(@Nullable Node n) {
        if (n == null) return;
        if (n instanceof ScalarNode) checkTemplate(n);
        for (Node i : Yaml.items(n)) checkTemplates(i);
        for (NodeTuple t : Yaml.entries(n)) checkTemplates(t.getValueNode());
    }

    /** A value that must be a single string (a name, a script): a list or mapping there is an error. */
    @Nullable
    String scalar(@Nullable Node n) {
        if (n instanceof SequenceNode) s.error(n, "A sequence was not expected");
        else if (n instanceof MappingNode) s.error(n, "A mapping was not expected");
        return string(n);
    }

    static @Nullable String string(@Nullable Node n) {
        if (n == null || Yaml.isNull(n)) return null;
        return Yaml.scalar(n);
    }
}
