package dev.runway.server.secrets;

import java.util.LinkedHashSet;
import java.util.Locale;
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

    /** Whether {@code text} refers to any secret (then only the runner, which has the values, can evaluate it). */
    public static boolean mentioned(String text) {
        return !in(text).isEmpty();
    }

    private SecretReferences() {}
}
