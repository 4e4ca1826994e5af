package dev.runway.agent.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Version specs as the setup-* actions take them: exact or partial ({@code 21}, {@code 21.0.3}), {@code x} wildcards
 * ({@code 20.x}, {@code 3.11.x}), comparators ({@code >=3.10}, {@code >=3.10 <3.13}), caret and tilde ranges
 * ({@code ^20}, {@code ~3.11}) and alternatives ({@code 17 || 21}). Written by hand on purpose: the subset is small,
 * the runner has no other use for a semver library, and tool versions are not strict semver (Java's {@code 17.0.15+6},
 * Python's {@code 3.12.0rc1}), which strict libraries reject. Pre-release and build suffixes are ignored.
 */
public final class Versions {
    private static final Pattern NUMERIC = Pattern.compile("^v?(\\d+(?:\\.\\d+)*)");
    private static final Pattern COMPARATOR = Pattern.compile("^(>=|<=|>|<|=|\\^|~)?v?([0-9xX*]+(?:\\.[0-9xX*]+)*)$");

    private Versions() {}

    /** The leading numeric parts of a version ({@code 17.0.15+6} → 17, 0, 15); empty if it has none. */
    public static int[] parse(String version) {
        Matcher m = NUMERIC.matcher(version.strip());
        if (!m.find()) return new int[0];
        String[] parts = m.group(1).split("\\.");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    /** The major version ({@code 20.11.1} → 20), or -1 if it has none. */
    public static int major(String version) {
        int[] p = parse(version);
        return p.length == 0 ? -1 : p[0];
    }

    /** Compares numerically part by part; missing parts count as 0. */
    public static int compare(String a, String b) {
        return compare(parse(a), parse(b));
    }

    static int compare(int[] a, int[] b) {
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) return Integer.compare(x, y);
        }
        return 0;
    }

    /** Whether {@code spec} is one the matcher understands. */
    public static boolean valid(String spec) {
        try {
            matches("0", spec);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code version} satisfies {@code spec}; {@link IllegalArgumentException} for a malformed spec. */
    public static boolean matches(String version, String spec) {
        int[] v = parse(version);
        if (v.length == 0) return false;
        String s = spec == null ? "" : spec.strip();
        for (String alternative : s.split("\\|\\|")) {
            if (all(v, alternative.strip(), spec)) return true;
        }
        return false;
    }

    private static boolean all(int[] v, String set, String spec) {
        String normal = set.replaceAll("(>=|<=|>|<|=|\\^|~)\\s+", "$1");
        if (normal.isEmpty() || normal.equals("*") || normal.equalsIgnoreCase("x") || normal.equals("latest"))
            return true;
        for (String c : normal.split("\\s+")) {
            if (!one(v, c, spec)) return false;
        }
        return true;
    }

    private static boolean one(int[] v, String comparator, String spec) {
        Matcher m = COMPARATOR.matcher(comparator);
        if (!m.matches()) throw new IllegalArgumentException("invalid version spec '" + spec + "'");
        String op = m.group(1) == null ? "" : m.group(1);
        List<Integer> given = new ArrayList<>(); // the parts before the first wildcard
        for (String p : m.group(2).split("\\.")) {
            if (p.equalsIgnoreCase("x") || p.equals("*")) break;
            given.add(Integer.parseInt(p));
        }
        int[] g = given.stream().mapToInt(Integer::intValue).toArray();
        return switch (op) {
            case "", "=" -> prefix(v, g);
            case ">=" -> compare(v, g) >= 0;
            case "<" -> compare(v, g) < 0;
            case ">" -> g.length == 0 ? false : compare(v, bump(g, g.length - 1)) >= 0; // >3.10 means >=3.11
            case "<=" -> g.length == 0 || compare(v, bump(g, g.length - 1)) < 0; // <=3.10 means <3.11
            case "^" -> {
                int idx = g.length - 1;
                for (int i = 0; i < g.length; i++) {
                    if (g[i] != 0) {
                        idx = i;
                        break;
                    }
                }
                yield g.length == 0 || (compare(v, g) >= 0 && compare(v, bump(g, idx)) < 0);
            }
            case "~" -> g.length == 0 || (compare(v, g) >= 0 && compare(v, bump(g, g.length >= 2 ? 1 : 0)) < 0);
            default -> throw new IllegalArgumentException("invalid version spec '" + spec + "'");
        };
    }

    private static boolean prefix(int[] v, int[] g) {
        if (g.length > v.length) {
            for (int i = v.length; i < g.length; i++) if (g[i] != 0) return false; // 21 is 21.0.0
        }
        for (int i = 0; i < Math.min(g.length, v.length); i++) if (v[i] != g[i]) return false;
        return true;
    }

    /** The parts up to {@code idx}, the one at {@code idx} plus one. */
    private static int[] bump(int[] g, int idx) {
        int[] out = new int[idx + 1];
        System.arraycopy(g, 0, out, 0, idx + 1);
        out[idx]++;
        return out;
    }
}
