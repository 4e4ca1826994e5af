package dev.runway.server.secrets;

import dev.runway.workflow.calls.CallSecrets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secret names a job's spec refers to ({@code secrets.NAME} or {@code secrets['NAME']} in its expressions), so
 * its attempt receives those and no others. A superset is harmless (a value is reachable only through an
 * expression); a name that is never mentioned is never sent.
 */
public final class SecretReferences {
    private static final Pattern DOT = Pattern.compile("(?i)\\bsecrets\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern INDEX =
            Pattern.compile("(?i)\\bsecrets\\s*\\[\\s*\\\\?['\"]([A-Za-z_][A-Za-z0-9_]*)\\\\?['\"]\\s*]");

    public static Set<String> in(String text) {
        Set<String> out = new LinkedHashSet<>();
        if (text == null) return out;
        for (Pattern p : new Pattern[] {DOT, INDEX}) {
            Matcher m = p.matcher(text);
            while (m.find()) out.add(m.group(1).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    /**
     * The secrets a workflow job's attempt is sent: those its spec ({@code specJson}, with {@code contexts}) refers
     * to, or for a job of a called workflow the ones the run's workflow passes into the call for them ({@link
     * CallSecrets#outermost}; the runner passes them down to the job, {@link CallSecrets#forJob}).
     */
    public static Set<String> sent(Map<String, ?> contexts, String specJson) {
        List<CallSecrets.Level> levels = CallSecrets.of(contexts);
        Set<String> names = in(specJson);
        return levels == null ? names : CallSecrets.outermost(levels, names);
    }

    /** Whether {@code text} refers to any secret (then only the runner, which has the values, can evaluate it). */
    public static boolean mentioned(String text) {
        return !in(text).isEmpty();
    }

    private SecretReferences() {}
}
