package dev.runway.scaler.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * A YAML file read into a Jackson tree, keeping where each value was written: the scaler's pools file and the CLI's
 * config and job files. YAML 1.2 with its core schema through snakeyaml-engine, the reader of the workflow parser
 * (runway-workflow), so every YAML file Runway reads means the same: {@code true}, {@code True} and {@code TRUE} are
 * booleans, {@code yes} and {@code on} are strings, {@code ~} is null, {@code 0x1F} and {@code 0o17} are numbers, and
 * {@code 017} is seventeen. A key given twice in one mapping is an error.
 */
public final class YamlTree {
    /** A 1-based line and column of a YAML file, printed {@code line:column}. */
    public record Position(int line, int column) {
        static final Position START = new Position(1, 1);

        static Position of(Optional<Mark> mark) {
            return mark.map(m -> new Position(m.getLine() + 1, m.getColumn() + 1))
                    .orElse(START);
        }

        static Position of(Node node) {
            return of(node.getStartMark());
        }

        @Override
        public String toString() {
            return line + ":" + column;
        }
    }

    /** The file is not YAML, or not one Runway reads (a duplicate key, a complex key): what and where. */
    public static final class YamlException extends Exception {
        private final Position position;
        private final String problem;

        YamlException(Position position, String problem) {
            super(position + ": " + problem);
            this.position = position;
            this.problem = problem;
        }

        public Position position() {
            return position;
        }

        /** The problem without its position. */
        public String problem() {
            return problem;
        }
    }

    private final Node root;
    private final JsonNode tree;

    private YamlTree(Node root, JsonNode tree) {
        this.root = root;
        this.tree = tree;
    }

    /** The document's node tree (null for an empty document), positions on every node. */
    public static Node compose(String text) throws YamlException {
        LoadSettings settings = LoadSettings.builder()
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(true) // checked while building the tree, with the key's position
                .build();
        try {
            return new Compose(settings).composeString(text).orElse(null);
        } catch (MarkedYamlEngineException e) {
            Position at = Position.of(e.getProblemMark().or(e::getContextMark));
            throw new YamlException(
                    at,
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
        } catch (ReaderException e) {
            throw new YamlException(
                    place(text, e.getPosition()),
                    String.format(
                            "invalid YAML: the character U+%04X is not allowed in a YAML file", e.getCodePoint()));
        } catch (YamlEngineException e) {
            throw new YamlException(Position.START, "invalid YAML: " + e.getMessage());
        }
    }

    /** {@code text} as a Jackson tree; the tree of an empty document is null. */
    public static YamlTree parse(String text) throws YamlException {
        Node root = compose(text);
        if (root == null) return new YamlTree(null, null);
        return new YamlTree(root, toJson(root, Collections.newSetFromMap(new IdentityHashMap<>())));
    }

    /** The document as a tree of Jackson nodes (objects, arrays, text, numbers, booleans, null); null if empty. */
    public JsonNode tree() {
        return tree;
    }

    /**
     * Where the value at {@code path} (mapping keys and list indices from the top) was written, or with {@code key}
     * its key; the nearest enclosing value if the path does not exist; 1:1 for an empty document.
     */
    public Position position(List<String> path, boolean key) {
        Node n = root;
        Node keyNode = null;
        for (String step : path) {
            Node next = null;
            if (n instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(step)) {
                        keyNode = t.getKeyNode();
                        next = t.getValueNode();
                        break;
                    }
                }
            } else if (n instanceof SequenceNode s
                    && step.matches("\\d{1,9}")
                    && Integer.parseInt(step) < s.getValue().size()) {
                keyNode = null;
                next = s.getValue().get(Integer.parseInt(step));
            }
            if (next == null) break;
            n = next;
        }
        Node at = key && keyNode != null ? keyNode : n;
        return at == null ? Position.START : Position.of(at);
    }

    private static JsonNode toJson(Node n, Set<Node> open) throws YamlException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (n instanceof ScalarNode s) return scalar(s);
        if (!open.add(n)) throw new YamlException(Position.of(n), "an alias refers to a collection that contains it");
        try {
            if (n instanceof SequenceNode seq) {
                ArrayNode a = f.arrayNode(seq.getValue().size());
                for (Node item : seq.getValue()) a.add(toJson(item, open));
                return a;
            }
            MappingNode map = (MappingNode) n;
            ObjectNode o = f.objectNode();
            for (NodeTuple t : map.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k))
                    throw new YamlException(
                            Position.of(t.getKeyNode()), "a key must be a single value, not a list or a mapping");
                if (o.has(k.getValue()))
                    throw new YamlException(Position.of(k), "Duplicate field '" + k.getValue() + "'");
                o.set(k.getValue(), toJson(t.getValueNode(), open));
            }
            return o;
        } finally {
            open.remove(n);
        }
    }

    /** A scalar by its tag: resolved by the core schema for plain values, or written in the file ({@code !!str}). */
    private static JsonNode scalar(ScalarNode s) throws YamlException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String v = s.getValue();
        Tag tag = s.getTag();
        try {
            if (tag.equals(Tag.NULL)) return f.nullNode();
            if (tag.equals(Tag.BOOL)) {
                if (v.equalsIgnoreCase("true")) return f.booleanNode(true);
                if (v.equalsIgnoreCase("false")) return f.booleanNode(false);
                throw new NumberFormatException(v);
            }
            if (tag.equals(Tag.INT)) {
                BigInteger i = integer(v);
                if (i.bitLength() < 32) return f.numberNode(i.intValue());
                if (i.bitLength() < 64) return f.numberNode(i.longValue());
                return f.numberNode(i);
            }
            if (tag.equals(Tag.FLOAT)) {
                String t = v.startsWith("+") ? v.substring(1) : v;
                return switch (t.toLowerCase(java.util.Locale.ROOT)) {
                    case ".inf" -> f.numberNode(Double.POSITIVE_INFINITY);
                    case "-.inf" -> f.numberNode(Double.NEGATIVE_INFINITY);
                    case ".nan" -> f.numberNode(Double.NaN);
                    default -> f.numberNode(Double.parseDouble(t));
                };
            }
        } catch (NumberFormatException e) {
            throw new YamlException(
                    Position.of(s),
                    "the value '" + v + "' is not a " + tag.getValue().replace(Tag.PREFIX, "!!"));
        }
        return f.textNode(v);
    }

    private static BigInteger integer(String v) {
        if (v.startsWith("0x")) return new BigInteger(v.substring(2), 16);
        if (v.startsWith("0o")) return new BigInteger(v.substring(2), 8);
        return new BigInteger(v.startsWith("+") ? v.substring(1) : v);
    }

    /** Line and column of the {@code offset}-th code point of {@code text}. */
    private static Position place(String text, int offset) {
        int line = 1;
        int column = 1;
        int i = 0;
        for (int cp = 0; cp < offset && i < text.length(); cp++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new Position(line, column);
    }
}
