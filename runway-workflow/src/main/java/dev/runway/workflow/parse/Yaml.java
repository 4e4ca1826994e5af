package dev.runway.workflow.parse;

import dev.runway.workflow.Limits;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
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

/** YAML 1.2 node trees with positions (snakeyaml-engine), and small helpers to read them. */
final class Yaml {
    private static final java.util.regex.Pattern INT =
            java.util.regex.Pattern.compile("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
    private static final java.util.regex.Pattern FLOAT = java.util.regex.Pattern.compile(
            "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

    /** What {@link #check} carries through one document. */
    private static final class Check {
        final int maxDepth;
        final Session s;
        final java.util.Map<Node, Long> nodes = new java.util.IdentityHashMap<>(); // expanded size, once known
        final java.util.Set<Node> open = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        boolean tooDeep;
        boolean recursive;

        Check(int maxDepth, Session s) {
            this.maxDepth = maxDepth;
            this.s = s;
        }
    }

    /**
     * Explicit tags, as GitHub reads them: only the core schema's, and a value must fit its tag ({@code !!int test}
     * is an error). Implicitly resolved values always fit, so this only ever fires for tags written in the file.
     * Also the bounds aliases could break: nesting (an alias can put a deep collection deeper), recursion (an alias
     * inside the collection it names) and size once expanded. Returns the node's size with its aliases expanded.
     */
    private static long check(@Nullable Node n, int depth, Check c) {
        if (n == null) return 0;
        Long known = c.nodes.get(n);
        if (known != null) return known;
        if (!c.open.add(n)) {
            if (!c.recursive)
                c.s.error(n, "an alias refers to a collection that contains it; recursive aliases are not allowed");
            c.recursive = true;
            return 0;
        }
        try {
            long size = 1 + children(n, depth, c);
            c.nodes.put(n, size);
            return size;
        } finally {
            c.open.remove(n);
        }
    }

    private static long children(Node n, int depth, Check c) {
        if (!(n instanceof ScalarNode) && depth >= c.maxDepth) {
            if (!c.tooDeep) c.s.error(n, "Maximum object depth exceeded (" + c.maxDepth + " levels of nesting)");
            c.tooDeep = true; // once per document, and no deeper
            return 0;
        }
        String tag = n.getTag().getValue();
        long size = 0;
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
                    c.s.error(n, "Unexpected tag '" + tag + "'");
                    yield true;
                }
            };
            if (!fits)
                c.s.error(
                        n,
                        "The value '" + v + "' on line " + line(n) + " and column " + col(n)
                                + " is invalid for the type '" + tag + "'");
        } else if (n instanceof SequenceNode seq) {
            if (!tag.equals("tag:yaml.org,2002:seq")) c.s.error(n, "Unexpected tag '" + tag + "'");
            for (Node i : seq.getValue()) size = Math.min(Long.MAX_VALUE / 2, size + check(i, depth + 1, c));
        } else if (n instanceof MappingNode map) {
            if (!tag.equals("tag:yaml.org,2002:map")) c.s.error(n, "Unexpected tag '" + tag + "'");
            for (NodeTuple t : map.getValue()) {
                size = Math.min(Long.MAX_VALUE / 2, size + check(t.getKeyNode(), depth + 1, c));
                size = Math.min(Long.MAX_VALUE / 2, size + check(t.getValueNode(), depth + 1, c));
            }
        }
        return size;
    }

    /** The composed document, or null after reporting why it could not be read. */
    static @Nullable Node compose(String text, Session s) {
        return compose(text, s, WorkflowParser.DEFAULT_MAX_DEPTH);
    }

    /**
     * As {@link #compose(String, Session)}, refusing documents nested {@code maxDepth} collections deep or more.
     * Every limit is checked before the work it bounds: the size first, then the nesting on the parser's events
     * (which need no stack, unlike composing), then aliases while composing and their expanded size after.
     */
    static @Nullable Node compose(String text, Session s, int maxDepth) {
        return compose(text, s, maxDepth, true, Limits.MAX_FILE_BYTES);
    }

    /**
     * As {@link #compose(String, Session, int)}; without {@code allowAnchors} an anchor is an error, as in GitHub's
     * parser with anchors turned off, and the file may have at most {@code maxFileBytes} bytes.
     */
    static @Nullable Node compose(String text, Session s, int maxDepth, boolean allowAnchors, long maxFileBytes) {
        String tooLarge = Limits.fileSize(utf8Length(text), maxFileBytes);
        if (tooLarge != null) {
            s.error(1, 1, tooLarge);
            return null;
        }
        try {
            LoadSettings settings = LoadSettings.builder()
                    .setLabel(s.file())
                    .setAllowDuplicateKeys(true)
                    // YAML 1.2's core schema, as GitHub: True, ~ and 0x1F are a boolean, a null and a number
                    .setSchema(new org.snakeyaml.engine.v2.schema.CoreSchema())
                    .setMaxAliasesForCollections(Limits.MAX_YAML_ALIASES)
                    .setCodePointLimit((int) Math.min(Integer.MAX_VALUE, Math.max(maxFileBytes, 1)))
                    // the whole file in one buffer: with the default 1 KiB one, a 400 KB line took seconds
                    .setBufferSize(text.length() + 1)
                    .build();
            if (!eventsFit(settings, text, s, maxDepth, allowAnchors)) return null;
            Optional<Node> n = new Compose(settings).composeString(text);
            if (n.isEmpty()) return null;
            Check c = new Check(maxDepth, s);
            long nodes = check(n.get(), 0, c);
            if (nodes > Limits.MAX_YAML_NODES) {
                s.error(
                        n.get(),
                        "aliases expand the document to " + nodes + " nodes; at most " + Limits.MAX_YAML_NODES
                                + " are allowed");
                return null;
            }
            return c.recursive || c.tooDeep ? null : n.get();
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
            s.error(
                    m == null ? 1 : m.getLine() + 1,
                    m == null ? 1 : m.getColumn() + 1,
                    "invalid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
            return null;
        } catch (ReaderException e) {
            int[] at = place(text, e.getPosition());
            s.error(
                    at[0],
                    at[1],
                    String.format(
                            "invalid YAML: the character U+%04X is not allowed in a YAML file", e.getCodePoint()));
            return null;
        } catch (YamlEngineException e) {
            s.error(1, 1, "invalid YAML: " + e.getMessage());
            return null;
        }
    }

    /**
     * False, after reporting where, if a collection starts {@code maxDepth} collections deep, or an alias of a
     * collection is one too many; reads events only, so a deep document needs no stack.
     */
    private static boolean eventsFit(
            LoadSettings settings, String text, Session s, int maxDepth, boolean allowAnchors) {
        int open = 0;
        int aliases = 0;
        java.util.Set<String> collections = new java.util.HashSet<>(); // anchors naming a collection
        for (Event e : new Parse(settings).parseString(text)) {
            if (!allowAnchors
                    && e instanceof NodeEvent n
                    && !(e instanceof AliasEvent)
                    && n.getAnchor().isPresent())
                return refuse(
                        s,
                        e,
                        "Anchors are not currently supported. Remove the anchor '"
                                + n.getAnchor().get().getValue() + "'");
            if (e instanceof CollectionStartEvent c) {
                if (open >= maxDepth)
                    return refuse(s, e, "Maximum object depth exceeded (" + maxDepth + " levels of nesting)");
                c.getAnchor().ifPresent(a -> collections.add(a.getValue()));
                open++;
            } else if (e instanceof CollectionEndEvent) {
                open--;
            } else if (e instanceof AliasEvent a
                    && collections.contains(a.getAlias().getValue())
                    && ++aliases > Limits.MAX_YAML_ALIASES) {
                return refuse(
                        s,
                        e,
                        "more than " + Limits.MAX_YAML_ALIASES + " aliases of collections; at most "
                                + Limits.MAX_YAML_ALIASES + " are allowed");
            } else if (e instanceof NodeEvent n && !(e instanceof AliasEvent)) {
                n.getAnchor().ifPresent(a -> collections.remove(a.getValue())); // a scalar took the name over
            }
        }
        return true;
    }

    private static boolean refuse(Session s, Event at, String message) {
        Mark m = at.getStartMark().orElse(null);
        s.error(m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, message);
        return false;
    }

    /** 1-based line and column of code point {@code position} of {@code text}. */
    private static int[] place(String text, int position) {
        int line = 1;
        int col = 1;
        int cp = 0;
        for (int i = 0; i < text.length() && cp < position; i += Character.charCount(text.codePointAt(i)), cp++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else col++;
        }
        return new int[] {line, col};
    }

    static long utf8Length(String text) {
        long n = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x80) n++;
            else if (ch < 0x800) n += 2;
            else if (Character.isHighSurrogate(ch)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    static int line(Node n) {
        return n.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    static int col(Node n) {
        return n.getStartMark().map(m -> m.getColumn() + 1).orElse(1);
    }

    /**
     * A scalar's text as GitHub reads it where a string belongs: a boolean is {@code true} or {@code false}
     * ({@code True} is one), a number is its value as .NET writes it ({@code 3.10} is {@code 3.1}, {@code 0x1F} is
     * {@code 31}), anything else the text as written (a null's too: callers ask {@link #isNull} first).
     */
    static @Nullable String scalar(@Nullable Node n) {
        if (!(n instanceof ScalarNode s)) return null;
        Tag t = s.getTag();
        if (t.equals(Tag.BOOL)) return s.getValue().toLowerCase(java.util.Locale.ROOT);
        if (t.equals(Tag.INT) || t.equals(Tag.FLOAT)) {
            Double d = number(s.getValue());
            if (d != null) return g15(d);
        }
        return s.getValue();
    }

    /** The value of a core-schema number ({@code 0x1F}, {@code 0o17}, {@code +1}, {@code .inf}), or null. */
    static @Nullable Double number(String v) {
        try {
            String sign = v.startsWith("-") ? "-" : "";
            String digits = v.startsWith("-") || v.startsWith("+") ? v.substring(1) : v;
            if (digits.startsWith("0x"))
                return Double.valueOf(new java.math.BigInteger(sign + digits.substring(2), 16).doubleValue());
            if (digits.startsWith("0o"))
                return Double.valueOf(new java.math.BigInteger(sign + digits.substring(2), 8).doubleValue());
            if (digits.equalsIgnoreCase(".inf"))
                return sign.isEmpty() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            if (digits.equalsIgnoreCase(".nan")) return Double.NaN;
            if (digits.chars().allMatch(Character::isDigit)) // an integer has no negative zero
            return Double.valueOf(new java.math.BigInteger(sign + digits).doubleValue() + 0.0);
            return Double.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** .NET's {@code double.ToString("G15")}: how GitHub writes a number as a string. */
    static String g15(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return 1 / d < 0 ? "-0" : "0";
        java.math.BigDecimal r =
                new java.math.BigDecimal(d).round(new java.math.MathContext(15)).stripTrailingZeros();
        int exponent = r.precision() - r.scale() - 1;
        if (exponent > -5 && exponent < 15) return r.toPlainString();
        String digits = r.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (r.signum() < 0 ? "-" : "") + mantissa + "E" + (exponent < 0 ? "-" : "+")
                + String.format(java.util.Locale.ROOT, "%02d", Math.abs(exponent));
    }

    static boolean isNull(@Nullable Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    static List<NodeTuple> entries(@Nullable Node n) {
        return n instanceof MappingNode m ? m.getValue() : List.of();
    }

    static List<Node> items(@Nullable Node n) {
        return n instanceof SequenceNode s ? s.getValue() : List.of();
    }

    /** Plain Java values (String, Boolean, Long/Double, null, List, Map) of a node, for parts kept as data. */
    static @Nullable Object toData(@Nullable Node n) {
        if (n instanceof ScalarNode s) {
            Tag t = s.getTag();
            if (t.equals(Tag.NULL)) return null;
            if (t.equals(Tag.BOOL)) return Boolean.parseBoolean(s.getValue().toLowerCase());
            if (t.equals(Tag.INT) || t.equals(Tag.FLOAT)) {
                Double d = number(s.getValue());
                if (d == null) return s.getValue();
                boolean whole = t.equals(Tag.INT) && Math.abs(d) < 0x1p53 && d == Math.rint(d);
                return whole ? (Object) Long.valueOf(d.longValue()) : d;
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
