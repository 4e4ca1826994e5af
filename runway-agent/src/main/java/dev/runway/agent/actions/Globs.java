package dev.runway.agent.actions;

import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Workspace-relative globs as GitHub's actions read them: like Java's {@code glob:} syntax, except that {@code **}
 * followed by a slash also matches no directory at all ({@code **}{@code /*.txt} matches {@code a.txt}, {@code
 * out/**}{@code /*.log} matches {@code out/b.log}), and a trailing slash means everything below.
 */
public final class Globs {
    public static PathMatcher matcher(String glob) {
        String g = glob.strip().replaceFirst("^\\./", "");
        if (g.endsWith("/")) g = g + "**";
        Set<String> variants = new LinkedHashSet<>();
        variants.add(g);
        variants.add(g.replace("/**/", "/"));
        for (String v : List.copyOf(variants)) {
            if (v.startsWith("**/")) variants.add(v.substring(3));
        }
        List<PathMatcher> ms = variants.stream()
                .map(v -> FileSystems.getDefault().getPathMatcher("glob:" + v))
                .toList();
        return p -> ms.stream().anyMatch(m -> m.matches(p));
    }

    private Globs() {}
}
