package dev.runway.workflow.parse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** {@code on}: the events (GitHub's names), schedules and their filters kept as data. */
final class TriggerReader {
    static final Set<String> EVENTS = Set.of(
            "branch_protection_rule",
            "check_run",
            "check_suite",
            "create",
            "delete",
            "deployment",
            "deployment_status",
            "discussion",
            "discussion_comment",
            "fork",
            "gollum",
            "issue_comment",
            "issues",
            "label",
            "merge_group",
            "milestone",
            "page_build",
            "project",
            "project_card",
            "project_column",
            "public",
            "pull_request",
            "pull_request_review",
            "pull_request_review_comment",
            "pull_request_target",
            "push",
            "registry_package",
            "release",
            "repository_dispatch",
            "schedule",
            "status",
            "watch",
            "workflow_call",
            "workflow_dispatch",
            "workflow_run",
            "image_version");

    private final Fields f;
    private final Session s;

    TriggerReader(Fields f) {
        this.f = f;
        this.s = f.s;
    }

    Map<String, Object> triggers(@Nullable Node n) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (n == null) return out;
        if (n instanceof ScalarNode sc) {
            event(n, sc.getValue());
            out.put(sc.getValue(), null);
        } else if (n instanceof SequenceNode) {
            for (Node i : Yaml.items(n)) {
                String e = Yaml.scalar(i);
                event(i, e);
                out.put(e, null);
            }
        } else {
            for (NodeTuple t : Yaml.entries(n)) {
                String e = Yaml.scalar(t.getKeyNode());
                event(t.getKeyNode(), e);
                if ("schedule".equals(e)) {
                    for (Node c : Yaml.items(t.getValueNode())) {
                        String cron = Fields.string(Yaml.entries(c).stream()
                                .filter(x -> "cron".equals(Yaml.scalar(x.getKeyNode())))
                                .map(NodeTuple::getValueNode)
                                .findFirst()
                                .orElse(null));
                        if (cron == null || cron.trim().split("\\s+").length != 5)
                            s.error(c, "a schedule needs 'cron' with five fields, e.g. '0 3 * * 1'");
                    }
                }
                checkFilters(e, t.getValueNode());
                out.put(e, Yaml.toData(t.getValueNode()));
            }
        }
        return out;
    }

    /** The keys GitHub allows under the events whose configuration is checked here. */
    static final Map<String, Set<String>> FILTERS = Map.of(
            "push", Set.of("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"),
            "pull_request", Set.of("types", "branches", "branches-ignore", "paths", "paths-ignore"),
            "pull_request_target", Set.of("types", "branches", "branches-ignore", "paths", "paths-ignore"),
            "workflow_dispatch", Set.of("inputs"));

    static final Set<String> DISPATCH_INPUT_KEYS =
            Set.of("description", "required", "default", "type", "options", "deprecationMessage");

    private void checkFilters(@Nullable String event, Node config) {
        // a key that is no string (a list, a mapping) is no event (already a warning); Map.of and Set.of refuse null
        if (event == null) return;
        Set<String> known = FILTERS.get(event);
        if (known == null || !(config instanceof MappingNode)) return;
        java.util.Map<String, Node> keys = new java.util.HashMap<>();
        for (NodeTuple t : Yaml.entries(config)) keys.put(Yaml.scalar(t.getKeyNode()), t.getKeyNode());
        for (String filter : new String[] {"branches", "tags", "paths"}) {
            Node ignore = keys.get(filter + "-ignore");
            if (keys.containsKey(filter) && ignore != null)
                s.error(
                        ignore,
                        "'" + filter + "' and '" + filter + "-ignore' cannot both be used for the same event (" + event
                                + "); use '" + filter + "' with patterns starting with '!' to exclude");
        }
        for (NodeTuple t : Yaml.entries(config)) {
            String key = Yaml.scalar(t.getKeyNode());
            if (key == null || !known.contains(key)) {
                String message = "Unexpected value '" + key + "' (" + event + " takes "
                        + String.join(", ", new java.util.TreeSet<>(known)) + ")";
                // GitHub's own cases accept unknown keys directly under workflow_dispatch
                // (on-workflow_dispatch-unknown-keys-ignored.yml): warn there, refuse elsewhere
                if (event.equals("workflow_dispatch")) s.warning(t.getKeyNode(), message);
                else s.error(t.getKeyNode(), message);
            } else if (event.equals("workflow_dispatch") && t.getValueNode() instanceof MappingNode inputs) {
                for (NodeTuple in : Yaml.entries(inputs)) {
                    for (NodeTuple p : Yaml.entries(in.getValueNode())) {
                        String k = Yaml.scalar(p.getKeyNode());
                        if (k == null || !DISPATCH_INPUT_KEYS.contains(k))
                            s.error(
                                    p.getKeyNode(),
                                    "Unexpected value '" + k + "' (an input takes "
                                            + String.join(", ", new java.util.TreeSet<>(DISPATCH_INPUT_KEYS)) + ")");
                    }
                }
            }
        }
    }

    void event(Node at, @Nullable String e) {
        if (e != null && e.contains("${{")) {
            s.error(at, "A template expression is not allowed in this context");
            return;
        }
        if (e == null || !EVENTS.contains(e))
            s.warning(
                    at,
                    "unknown event '" + e
                            + "' (Runway knows GitHub's events, e.g. push, pull_request, workflow_dispatch, schedule)");
    }
}
