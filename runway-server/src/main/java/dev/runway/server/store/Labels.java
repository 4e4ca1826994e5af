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
