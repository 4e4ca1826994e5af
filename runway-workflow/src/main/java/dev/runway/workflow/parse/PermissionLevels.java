package dev.runway.workflow.parse;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A {@code permissions:} value as levels per scope (0 none, 1 read, 2 write), in the order GitHub's messages list
 * them, and the defaults of GitHub's token policies for a workflow that says nothing.
 */
final class PermissionLevels {
    static final List<String> ORDER = List.of(
            "actions",
            "attestations",
            "checks",
            "contents",
            "deployments",
            "discussions",
            "issues",
            "models",
            "packages",
            "pages",
            "pull-requests",
            "repository-projects",
            "statuses",
            "security-events",
            "id-token");

    static final List<String> NAMES = List.of("none", "read", "write");

    /**
     * The levels {@code data} (as parsed: read-all, write-all, or a mapping, whose unnamed scopes are none) grants;
     * null data: {@code fallback}.
     */
    static @Nullable Map<String, Integer> of(@Nullable Object data, @Nullable Map<String, Integer> fallback) {
        if (data == null) return fallback;
        Map<String, Integer> out = new LinkedHashMap<>();
        if (data instanceof String s) {
            int level = s.equals("write-all") ? 2 : s.equals("read-all") ? 1 : 0;
            for (String scope : ORDER) out.put(scope, level);
            return out;
        }
        if (data instanceof Map<?, ?> m) // the scopes it names; any other is none
        for (var e : m.entrySet()) {
                String scope = String.valueOf(e.getKey());
                int level = NAMES.indexOf(String.valueOf(e.getValue()));
                if (level >= 0) out.put(scope, level);
            }
        return out;
    }

    /** What a workflow that names no permissions gets: GitHub's "Write" (permissive) or "LimitedRead" policy. */
    static Map<String, Integer> policy(String name) {
        Map<String, Integer> out = new LinkedHashMap<>();
        boolean write = !name.equalsIgnoreCase("LimitedRead");
        for (String scope : ORDER) out.put(scope, write ? 2 : 0);
        if (!write) {
            out.put("contents", 1);
            out.put("packages", 1);
        }
        return out;
    }

    /** {@code actions: write, contents: read}, for {@code scopes} in GitHub's order. */
    static String describe(Map<String, Integer> levels, Collection<String> scopes) {
        return ORDER.stream()
                .filter(scopes::contains)
                .map(s -> s + ": " + NAMES.get(levels.getOrDefault(s, 0)))
                .collect(Collectors.joining(", "));
    }

    private PermissionLevels() {}
}
