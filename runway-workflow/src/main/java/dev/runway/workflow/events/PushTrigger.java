package dev.runway.workflow.events;

import dev.runway.workflow.model.Workflow;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Whether a push starts a workflow, by its {@code on.push} filters as GitHub applies them: {@code branches} /
 * {@code branches-ignore} for branch pushes, {@code tags} / {@code tags-ignore} for tag pushes (a workflow with only
 * one kind of filter ignores pushes of the other kind), and {@code paths} / {@code paths-ignore} on the changed
 * files of branch pushes (a push whose changed files are unknown runs, as on GitHub).
 */
public final class PushTrigger {
    private PushTrigger() {}

    /**
     * @param ref {@code refs/heads/main} or {@code refs/tags/v1}
     * @param changedFiles paths added, modified or removed by the pushed commits; empty when unknown
     */
    public static boolean matches(Workflow wf, String ref, Collection<String> changedFiles) {
        if (wf.on() == null || !wf.on().containsKey("push")) return false;
        Map<?, ?> f = wf.on().get("push") instanceof Map<?, ?> m ? m : Map.of();
        boolean branch = ref.startsWith("refs/heads/");
        boolean tag = ref.startsWith("refs/tags/");
        if (!branch && !tag) return false;
        String name = ref.substring(branch ? "refs/heads/".length() : "refs/tags/".length());
        boolean branchFilters = f.containsKey("branches") || f.containsKey("branches-ignore");
        boolean tagFilters = f.containsKey("tags") || f.containsKey("tags-ignore");
        if (branch) {
            if (!branchFilters && tagFilters) return false;
            if (!allowed(f, "branches", name)) return false;
        } else {
            if (!tagFilters && branchFilters) return false;
            return allowed(f, "tags", name); // path filters are not evaluated for tags
        }
        if (changedFiles.isEmpty()) return true;
        if (f.containsKey("paths")) {
            List<String> paths = list(f.get("paths"));
            if (changedFiles.stream().noneMatch(p -> FilterPattern.matches(paths, p))) return false;
        }
        if (f.containsKey("paths-ignore")) {
            List<String> ignore = list(f.get("paths-ignore"));
            if (changedFiles.stream().allMatch(p -> FilterPattern.matches(ignore, p))) return false;
        }
        return true;
    }

    private static boolean allowed(Map<?, ?> f, String key, String name) {
        if (f.containsKey(key)) return FilterPattern.matches(list(f.get(key)), name);
        if (f.containsKey(key + "-ignore")) return !FilterPattern.matches(list(f.get(key + "-ignore")), name);
        return true;
    }

    private static List<String> list(@Nullable Object v) {
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return v == null ? List.of() : List.of(String.valueOf(v));
    }
}
