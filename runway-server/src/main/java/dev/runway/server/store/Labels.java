package dev.runway.server.store;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Labels are compared case-insensitively and stored sorted, comma-separated. */
public final class Labels {
    public static Set<String> normalise(Collection<String> labels) {
        TreeSet<String> out = new TreeSet<>();
        for (String l : labels) {
            if (l != null && !l.isBlank()) out.add(l.strip().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /** A runner with this label takes jobs whatever their labels (the local runner of `runway run`). */
    public static final String ANY = "*";

    /** Whether a runner with {@code runnerLabels} may take a job with {@code jobLabels}. */
    public static boolean satisfies(Set<String> runnerLabels, Set<String> jobLabels) {
        return runnerLabels.contains(ANY) || runnerLabels.containsAll(jobLabels);
    }

    public static String encode(Collection<String> labels) {
        return String.join(",", normalise(labels));
    }

    public static Set<String> decode(String s) {
        return s == null || s.isEmpty() ? Set.of() : new TreeSet<>(Arrays.asList(s.split(",")));
    }

    public static List<String> decodeList(String s) {
        return List.copyOf(decode(s));
    }

    private Labels() {}
}
