package dev.runway.workflow.calls;

import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Call;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The secrets a job of a called workflow sees. Each call on the way from the run's workflow down to the job is a
 * level: {@code secrets: inherit} passes on every secret the caller has; a mapping ({@code secrets: {token: ${{
 * secrets.X }}}}) passes on only the names it maps, each the value of its expression over the caller's secrets; no
 * {@code secrets:} passes on none. The control plane writes the levels into the job's spec ({@link #KEY} in {@code
 * contexts.runway}) and sends the secrets the outermost level needs ({@link #outermost}); the runner turns them into
 * the job's secrets ({@link #apply}).
 */
public final class CallSecrets {
    /** Where the levels are in {@code contexts.runway}. */
    public static final String KEY = "callSecrets";

    private static final Pattern DOT = Pattern.compile("(?i)\\bsecrets\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern INDEX =
            Pattern.compile("(?i)\\bsecrets\\s*\\[\\s*\\\\?['\"]([A-Za-z_][A-Za-z0-9_]*)\\\\?['\"]\\s*]");

    /** One call: {@code inherit}, or the callee's secret names (upper-case) and the caller's value expressions. */
    public record Level(boolean inherit, Map<String, String> secrets) {
        public Map<String, Object> data() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("inherit", inherit);
            m.put("secrets", secrets);
            return m;
        }
    }

    /** The levels after one more call. */
    public static List<Level> extend(List<Level> levels, Call call) {
        List<Level> out = new ArrayList<>(levels);
        Map<String, String> mapped = new LinkedHashMap<>();
        call.secrets().forEach((k, v) -> mapped.put(k.toUpperCase(Locale.ROOT), v));
        out.add(new Level(call.inheritSecrets(), mapped));
        return List.copyOf(out);
    }

    /** The levels as the spec keeps them ({@link Level#data()} each). */
    public static List<Map<String, Object>> data(List<Level> levels) {
        return levels.stream().map(Level::data).toList();
    }

    /** The levels in a job's contexts, or null for a job that is not in a called workflow. */
    public static @Nullable List<Level> of(@Nullable Map<String, ?> contexts) {
        if (contexts == null
                || !(contexts.get("runway") instanceof Map<?, ?> runway)
                || !(runway.get(KEY) instanceof List<?> list)) return null;
        List<Level> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) continue;
            Map<String, String> s = new LinkedHashMap<>();
            if (m.get("secrets") instanceof Map<?, ?> sm)
                sm.forEach((k, v) -> s.put(String.valueOf(k).toUpperCase(Locale.ROOT), String.valueOf(v)));
            out.add(new Level(Boolean.TRUE.equals(m.get("inherit")), s));
        }
        return out;
    }

    /**
     * The secret names (upper-case) the outermost level needs for a job whose own text refers to {@code wanted}: the
     * ones the run's repository is asked for.
     */
    public static Set<String> outermost(List<Level> levels, Set<String> wanted) {
        Set<String> names = upper(wanted);
        for (int i = levels.size() - 1; i >= 0; i--) {
            Level l = levels.get(i);
            if (l.inherit()) continue;
            Set<String> above = new LinkedHashSet<>();
            for (String n : names) {
                String expr = l.secrets().get(n);
                if (expr != null) above.addAll(referenced(expr));
            }
            names = above;
        }
        return names;
    }

    /**
     * The job's secrets: {@code outer} (the run's, by name) passed down through every level. A mapped value that
     * is empty, or whose expression fails, is left out (as a secret that does not exist).
     */
    public static Map<String, String> apply(List<Level> levels, Map<String, String> outer, Value.Obj github) {
        Map<String, String> current = new LinkedHashMap<>();
        outer.forEach((k, v) -> current.put(k.toUpperCase(Locale.ROOT), v));
        for (Level l : levels) {
            if (l.inherit()) continue;
            Value.Obj c = new Value.Obj();
            c.put("github", github);
            c.put("secrets", Templates.object(current));
            Templates.Scope scope = new Templates.Scope(c);
            Map<String, String> next = new LinkedHashMap<>();
            for (var e : l.secrets().entrySet()) {
                try {
                    String v = Templates.render(e.getValue(), scope);
                    if (v != null && !v.isEmpty()) next.put(e.getKey(), v);
                } catch (ExpressionException ex) {
                    // left out
                }
            }
            current.clear();
            current.putAll(next);
        }
        return current;
    }

    /**
     * The secrets a job with {@code contexts} (its spec's) sees, from the ones its runner has for the run: the same
     * for a job of the run's own workflow, passed down through its calls for a job of a called workflow.
     */
    public static Map<String, String> forJob(@Nullable Map<String, ?> contexts, Map<String, String> secrets) {
        List<Level> levels = of(contexts);
        if (levels == null || contexts == null) return secrets;
        Value.Obj github =
                contexts.get("github") instanceof Map<?, ?> g ? (Value.Obj) Templates.fromJava(g) : new Value.Obj();
        return new java.util.HashMap<>(apply(levels, secrets, github));
    }

    /** The secret names (upper-case) {@code text} refers to ({@code secrets.NAME}, {@code secrets['NAME']}). */
    public static Set<String> referenced(@Nullable String text) {
        Set<String> out = new LinkedHashSet<>();
        if (text == null) return out;
        for (Pattern p : new Pattern[] {DOT, INDEX}) {
            Matcher m = p.matcher(text);
            while (m.find()) out.add(m.group(1).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    private static Set<String> upper(Set<String> names) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) out.add(n.toUpperCase(Locale.ROOT));
        return out;
    }

    private CallSecrets() {}
}
