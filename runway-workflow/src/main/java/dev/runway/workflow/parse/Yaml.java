package dev.runway.workflow.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** YAML 1.2 node trees with positions (snakeyaml-engine), and small helpers to read them. */
final class Yaml {
    private static final java.util.regex.Pattern INT =
            java.util.regex.Pattern.compile("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
    private static final java.util.regex.Pattern FLOAT = java.util.regex.Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

    /**
     * Explicit tags, as GitHub reads them: only the core schema's, and a value must fit its tag ({@code !!int test}
     * is an error). Implicitly resolved values always fit, so this only ever fires for tags written in the file.
     */
    private static void check(Node n, int depth, int maxDepth, boolean[] tooDeep, Session s, java.util.Set<Node> seen) {
        if (n == null || !seen.add(n)) return;
        if (!(n instanceof ScalarNode) && depth >= maxDepth && !tooDeep[0]) {
            tooDeep[0] = true; // once per document
            s.error(n, "Maximum object depth exceeded (" + maxDepth + " levels of nesting)");
        }
        String tag = n.getTag().getValue();
        if (n instanceof ScalarNode sc) {
            String v = sc.getValue();
            boolean fits = switch (tag) {
                case "tag:yaml.org,2002:str" -> true;
                case "tag:yaml.org,2002:int" -> INT.matcher(v).matches();
                case "tag:yaml.org,2002:float" ->
                    FLOAT.matcher(v).matches() || INT.matcher(v).matches();
                case "tag:yaml.org,2002:bool" -> v.matches("true|True|TRUE|false|False|FALSE");
                case "tag:yaml.org,2002:null" -> v.matches("null|Null|NULL|~|");
                default -> {
                    s.error(n, "Unexpected tag '" + tag + "'");
                    yield true;
                }
            };
            if (!fits)
                s.error(
                        n,
                        "The value '" + v + "' on line " + line(n) + " and column " + col(n)
                                + " is invalid for the type '" + tag + "'");
        } else if (n instanceof SequenceNode seq) {
            if (!tag.equals("tag:yaml.org,2002:seq")) s.error(n, "Unexpected tag '" + tag + "'");
            for (Node i : seq.getValue()) check(i, depth + 1, maxDepth, tooDeep, s, seen);
        } else if (n instanceof MappingNode map) {
            if (!tag.equals("tag:yaml.org,2002:map")) s.error(n, "Unexpected tag '" + tag + "'");
            for (NodeTuple t : map.getValue()) {
                check(t.getKeyNode(), depth + 1, maxDepth, tooDeep, s, seen);
                check(t.getValueNode(), depth + 1, maxDepth, tooDeep, s, seen);
            }
        }
    }

    /** The composed document, or null after reporting why it could not be read. */
    static Node compose(String text, Session s) {
        return compose(text, s, WorkflowParser.DEFAULT_MAX_DEPTH);
    }

    /** As {@link #compose(String, Session)}, refusing documents nested {@code maxDepth} collections deep or more. */
    static Node compose(String text, Session s, int maxDepth) {
        try {
            Optional<Node> n = new Compose(LoadSettings.builder()
                            .setLabel(s.file())
                            .setAllowDuplicateKeys(true)
                            .build())
                    .composeString(text);
            boolean[] tooDeep = {false};
            n.ifPresent(root -> check(
                    root,
                    0,
                    maxDepth,
                    tooDeep,
                    s,
                    java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>())));
            return n.orElse(null);
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
            s.error(
                    m == null ? 1 : m.getLine() + 1,
                    m == null ? 1 : m.getColumn() + 1,
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
            return null;
        } catch (YamlEngineException e) {
            s.error(1, 1, "invalid YAML: " + e.getMessage());
            return null;
        }
    }

    static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    static int col(Node n) {
        return n.getStartMark().map(m -> m.getColumn() + 1).orElse(1);
    }

    static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    static List<NodeTuple> entries(Node n) {
        return n instanceof MappingNode m ? m.getValue() : List.of();
    }

    static List<Node> items(Node n) {
        return n instanceof SequenceNode s ? s.getValue() : List.of();
    }

    /** Plain Java values (String, Boolean, Long/Double, null, List, Map) of a node, for parts kept as data. */
    static Object toData(Node n) {
        if (n instanceof ScalarNode s) {
            Tag t = s.getTag();
            if (t.equals(Tag.NULL)) return null;
            if (t.equals(Tag.BOOL)) return Boolean.parseBoolean(s.getValue().toLowerCase());
            if (t.equals(Tag.INT)) {
                try {
                    return Long.parseLong(s.getValue());
                } catch (NumberFormatException e) {
                    return s.getValue();
                }
            }
            if (t.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(s.getValue());
                } catch (NumberFormatException e) {
                    return s.getValue();
                }
            }
            return s.getValue();
        }
        if (n instanceof SequenceNode seq) {
            List<Object> out = new ArrayList<>();
            for (Node i : seq.getValue()) out.add(toData(i));
            return out;
        }
        java.util.LinkedHashMap<String, Object> out = new java.util.LinkedHashMap<>();
        for (NodeTuple t : entries(n)) out.put(String.valueOf(scalar(t.getKeyNode())), toData(t.getValueNode()));
        return out;
    }

    private Yaml() {}
}
