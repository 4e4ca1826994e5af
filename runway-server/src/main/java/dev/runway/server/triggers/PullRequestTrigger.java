package dev.runway.server.triggers;

import dev.runway.workflow.events.FilterPattern;
import dev.runway.workflow.model.Workflow;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Whether a pull request's activity starts a workflow, by its {@code on.pull_request} or {@code
 * on.pull_request_target} filters as GitHub applies them: {@code types} (by default {@code opened}, {@code
 * synchronize} and {@code reopened}), {@code branches} / {@code branches-ignore} against the pull request's
 * <em>base</em> branch, and {@code paths} / {@code paths-ignore} against the files the pull request changes (a pull
 * request whose changed files are unknown runs, as a push does). A workflow runs when every filter it has is met.
 */
public final class PullRequestTrigger {
    /** The activity types that start a workflow without {@code types:}, as on GitHub. */
    public static final List<String> DEFAULT_TYPES = List.of("opened", "synchronize", "reopened");

    private PullRequestTrigger() {}

    /**
     * @param event {@code pull_request} or {@code pull_request_target}
     * @param action the delivery's {@code action} ({@code opened}, {@code synchronize}, {@code labeled}...)
     * @param baseBranch the branch the pull request merges into ({@code main}, not {@code refs/heads/main})
     * @param changedFiles the paths the pull request changes; empty when unknown
     */
    public static boolean matches(
            Workflow wf, String event, String action, String baseBranch, Collection<String> changedFiles) {
        if (wf.on() == null || !wf.on().containsKey(event)) return false;
        Map<?, ?> f = wf.on().get(event) instanceof Map<?, ?> m ? m : Map.of();
        List<String> types = f.containsKey("types") ? list(f.get("types")) : DEFAULT_TYPES;
        if (!types.contains(action)) return false;
        if (f.containsKey("branches") && !FilterPattern.matches(list(f.get("branches")), baseBranch)) return false;
        if (f.containsKey("branches-ignore") && FilterPattern.matches(list(f.get("branches-ignore")), baseBranch))
            return false;
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

    /** Whether the workflow has a {@code paths} or {@code paths-ignore} filter for {@code event}. */
    public static boolean filtersPaths(Workflow wf, String event) {
        return wf.on() != null
                && wf.on().get(event) instanceof Map<?, ?> f
                && (f.containsKey("paths") || f.containsKey("paths-ignore"));
    }

    private static List<String> list(Object v) {
        if (v instanceof List<?> l) return l.stream().map(String::valueOf).toList();
        return v == null ? List.of() : List.of(String.valueOf(v));
    }
}
