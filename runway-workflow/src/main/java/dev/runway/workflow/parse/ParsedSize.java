package dev.runway.workflow.parse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * The size of a parsed workflow as GitHub's parser estimates it in memory, against its limit (GitHub's {@code
 * MaxResultSize}, 10 MiB, "Maximum object size exceeded"). One count serves a workflow and every workflow it calls,
 * as on GitHub, where they share one template context.
 *
 * <p>GitHub's rules (actions/runner, {@code WorkflowParser/ObjectTemplating/TemplateMemory.cs} and its callers):
 * each file name once, 26 bytes plus 2 a character; each value of each file read, in turn, as its token: a mapping,
 * a sequence, a null, a boolean or a number 24 bytes; a string 24 + 26 + 2 a character; a string holding {@code
 * ${{ }}} as the expression it becomes ({@code format('…{0}…', x)} when text surrounds it); a mapping key as a string.
 * Then every combination of a matrix without expressions, expanded at parse time: 24, its id and display name as
 * strings, its {@code matrix} and {@code strategy} contexts as data. A called workflow counts each time it is
 * called. Where GitHub's schema turns a number or boolean into a string ({@code env: {CI: true}}) it counts as the
 * string; Runway, which reads no schema here, counts it as the number, at most 26 + 2 a character less.
 */
final class ParsedSize {
    static final int MIN_OBJECT = 24;
    static final int STRING_OVERHEAD = 26;
    private static final int POINTER = 8;
    /** GitHub's {@code ${{ insert }}} directive, a key whose value is merged into its mapping. */
    private static final String INSERT = "insert";

    private final long max;
    private long bytes;
    private boolean over;
    private final Set<String> files = new HashSet<>();

    ParsedSize(long max) {
        this.max = max;
    }

    long max() {
        return max;
    }

    long bytes() {
        return bytes;
    }

    /** Whether the count has gone over the limit (then it counts no more). */
    boolean over() {
        return over;
    }

    /** Adds {@code n} bytes; true if this addition took the count over the limit. */
    private boolean add(long n) {
        if (over) return false;
        bytes += n;
        over = bytes > max;
        return over;
    }

    /**
     * Adds a file's name (once for each name) and every value of its document, in document order; returns the
     * value at which the count went over the limit (the root for the name), or null.
     */
    @Nullable
    Node addDocument(String file, Node root) {
        if (over) return null;
        if (files.add(file.toLowerCase(Locale.ROOT)) && add(string(file))) return root;
        return walk(root);
    }

    private @Nullable Node walk(Node n) {
        if (n instanceof MappingNode m) {
            if (add(MIN_OBJECT)) return n;
            for (NodeTuple t : m.getValue()) {
                if (add(key(t.getKeyNode()))) return t.getKeyNode();
                Node at = walk(t.getValueNode());
                if (at != null) return at;
            }
            return null;
        }
        if (n instanceof SequenceNode s) {
            if (add(MIN_OBJECT)) return n;
            for (Node i : s.getValue()) {
                Node at = walk(i);
                if (at != null) return at;
            }
            return null;
        }
        return add(scalar(n)) ? n : null;
    }

    /**
     * Adds the combinations of a static matrix as GitHub's parser builds them when it validates a workflow: {@code
     * originals} of them are the product of the axes (their id from the axes' values only), the rest come from
     * {@code include}. True if this took the count over the limit.
     */
    boolean addMatrix(List<Map<String, Object>> combinations, int originals, List<String> axes) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < combinations.size(); i++) {
            Map<String, Object> combo = combinations.get(i);
            StringBuilder id = new StringBuilder();
            if (i < originals) for (String axis : axes) idSegments(combo.get(axis), id);
            else for (Object v : combo.values()) idSegments(v, id);
            long n = MIN_OBJECT
                    + string(uniqueId(id.toString(), ids))
                    + STRING_OVERHEAD // the display name, null while the workflow is validated
                    + string("matrix")
                    + data(combo)
                    + string("strategy")
                    + data(Map.of("fail-fast", true, "job-index", 0, "job-total", 0, "max-parallel", 0));
            if (add(n)) return true;
        }
        return false;
    }

    /** What went over ({@code what}: "the workflow", ...), for the message after "Maximum object size exceeded". */
    static String overMessage(ParsedSize size, String what) {
        long max = size.max();
        String limit = max + " bytes" + (max % (1024 * 1024) == 0 ? " (" + max / (1024 * 1024) + " MiB)" : "");
        return "parsed, " + what + " would take more than " + limit + ", counted as GitHub's parser counts them";
    }

    /** {@code TemplateMemory.CalculateBytes(String)}: a string not in a token. */
    static long string(@Nullable String s) {
        return STRING_OVERHEAD + 2L * (s == null ? 0 : s.length());
    }

    /** A string token: an object holding the string. */
    static long stringToken(String s) {
        return MIN_OBJECT + string(s);
    }

    /** Mapping keys are strings to GitHub ({@code 1:} is the key "1"), or expressions. */
    private static long key(Node k) {
        if (!(k instanceof ScalarNode sc)) return MIN_OBJECT; // a collection as a key is an error; an object
        if (Yaml.isNull(k)) return stringToken(""); // GitHub writes a null as ""
        return sc.getTag().equals(Tag.STR) ? text(sc.getValue()) : stringToken(String.valueOf(Yaml.scalar(k)));
    }

    private static long scalar(Node n) {
        ScalarNode sc = (ScalarNode) n;
        Tag t = sc.getTag();
        if (t.equals(Tag.NULL) || t.equals(Tag.BOOL) || t.equals(Tag.INT) || t.equals(Tag.FLOAT)) return MIN_OBJECT;
        return text(sc.getValue());
    }

    /** A string as GitHub's reader tokenizes it: a literal, or the one expression its {@code ${{ }}} make. */
    static long text(String raw) {
        int open = raw.indexOf("${{");
        if (open < 0) return stringToken(raw);
        List<Object> segments = new ArrayList<>(); // a literal String, or an expression as Expr
        int i = 0;
        while (i < raw.length()) {
            if (i == open) {
                int close = -1;
                boolean inString = false;
                for (i += 3; i < raw.length(); i++) {
                    if (raw.charAt(i) == '\'') inString = !inString; // 'a''b' toggles twice: still right
                    else if (!inString && raw.charAt(i) == '}' && raw.charAt(i - 1) == '}') {
                        close = i;
                        i++;
                        break;
                    }
                }
                if (close < 0) return stringToken(raw); // not closed: an error, and the value stays a string
                String expr = trim(raw.substring(open + 3, close - 1));
                if (expr.isEmpty()) return stringToken(raw); // an error too
                if (expr.equals(INSERT)) return open == 0 && i == raw.length() ? MIN_OBJECT : stringToken(raw);
                if (expr.startsWith(INSERT) && isWhite(expr.charAt(INSERT.length()))) return stringToken(raw);
                segments.add(new Expr(expr));
                open = raw.indexOf("${{", i);
            } else {
                int end = open < 0 ? raw.length() : open;
                String literal = raw.substring(i, end);
                int last = segments.size() - 1;
                if (last >= 0 && segments.get(last) instanceof String previous) segments.set(last, previous + literal);
                else segments.add(literal);
                i = end;
            }
        }
        if (segments.size() == 1 && segments.get(0) instanceof Expr(String only)) {
            String literal = quotedString(only);
            return literal != null ? stringToken(literal) : MIN_OBJECT + string(only);
        }
        StringBuilder format = new StringBuilder();
        StringBuilder args = new StringBuilder();
        int arg = 0;
        for (Object segment : segments) {
            if (segment instanceof Expr(String expr)) {
                format.append('{').append(arg++).append('}');
                args.append(", ").append(expr);
            } else {
                format.append(
                        ((String) segment).replace("'", "''").replace("{", "{{").replace("}", "}}"));
            }
        }
        return MIN_OBJECT + string("format('" + format + "'" + args + ")");
    }

    private record Expr(String text) {}

    /** {@code ${{ 'text' }}} alone is the string it quotes, as GitHub's reader makes it; null if it is not one. */
    private static @Nullable String quotedString(String expr) {
        StringBuilder out = new StringBuilder();
        boolean in = false;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '\'') {
                in = !in;
                if (in && i != 0) out.append(c);
            } else if (!in) return null;
            else out.append(c);
        }
        return out.toString();
    }

    /** .NET's {@code String.Trim()}: every Unicode white space, the no-break space included. */
    private static String trim(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isWhite(s.charAt(b))) b++;
        while (e > b && isWhite(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    private static boolean isWhite(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** {@code TemplateMemory.CalculateBytes(ExpressionData, traverse: true)}: keys included. */
    static long data(@Nullable Object v) {
        if (v == null) return POINTER;
        if (v instanceof String s) return stringToken(s);
        if (v instanceof Map<?, ?> m) {
            long n = MIN_OBJECT;
            for (Map.Entry<?, ?> e : m.entrySet()) n += stringToken(String.valueOf(e.getKey())) + data(e.getValue());
            return n;
        }
        if (v instanceof List<?> l) {
            long n = MIN_OBJECT;
            for (Object i : l) n += data(i);
            return n;
        }
        return MIN_OBJECT; // a boolean or a number
    }

    /** The segments a matrix value gives its combination's id: its scalars, depth first, keys left out. */
    private static void idSegments(@Nullable Object v, StringBuilder id) {
        if (v instanceof Map<?, ?> m) for (Object i : m.values()) idSegments(i, id);
        else if (v instanceof List<?> l) for (Object i : l) idSegments(i, id);
        else if (v != null) appendSegment(id, segment(v));
    }

    private static String segment(Object v) {
        if (v instanceof Boolean b) return b ? "true" : "false";
        if (v instanceof Number num) return Yaml.g15(num.doubleValue());
        return v.toString();
    }

    /** GitHub's {@code IdBuilder.AppendSegment}: '_' between segments and for every character not allowed. */
    private static void appendSegment(StringBuilder id, String value) {
        if (value.isEmpty()) return;
        if (id.isEmpty()) {
            char first = value.charAt(0);
            if ((first >= '0' && first <= '9') || first == '-') id.append('_');
        } else id.append('_');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean legal =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            id.append(legal ? c : '_');
        }
    }

    /** GitHub's {@code IdBuilder.Build}: "job" if empty, no "__" prefix, at most 100 characters, made unique. */
    private static String uniqueId(String built, Set<String> taken) {
        String original = built.isEmpty() ? "job" : built;
        if (original.startsWith("__")) original = "_" + original.replaceFirst("^_+", "");
        for (int attempt = 1; attempt < 1000; attempt++) {
            String suffix = attempt == 1 ? "" : original.equals("_") ? String.valueOf(attempt) : "_" + attempt;
            String candidate = original.substring(0, Math.min(original.length(), 100 - suffix.length())) + suffix;
            if (taken.add(candidate.toLowerCase(Locale.ROOT))) return candidate;
        }
        return original;
    }
}
