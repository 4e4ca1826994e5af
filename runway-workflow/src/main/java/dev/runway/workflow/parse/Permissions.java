package dev.runway.workflow.parse;

import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** {@code permissions:} (workflow or job) as GitHub's schema allows it: its scopes and their values. */
final class Permissions {
    static final Set<String> LEVELS = Set.of("read", "write", "none");

    /** Each scope GitHub knows, with the values it takes. */
    static final Map<String, Set<String>> SCOPES = Map.ofEntries(
            Map.entry("actions", LEVELS),
            Map.entry("attestations", LEVELS),
            Map.entry("checks", LEVELS),
            Map.entry("contents", LEVELS),
            Map.entry("deployments", LEVELS),
            Map.entry("discussions", LEVELS),
            Map.entry("id-token", Set.of("write", "none")),
            Map.entry("issues", LEVELS),
            Map.entry("models", Set.of("read", "none")),
            Map.entry("packages", LEVELS),
            Map.entry("pages", LEVELS),
            Map.entry("pull-requests", LEVELS),
            Map.entry("repository-projects", LEVELS),
            Map.entry("security-events", LEVELS),
            Map.entry("statuses", LEVELS));

    static void check(@Nullable Node n, Session s) {
        if (n == null || Yaml.isNull(n)) return;
        if (n instanceof ScalarNode sc) {
            String v = sc.getValue();
            if (!v.equals("read-all") && !v.equals("write-all"))
                s.error(n, "Unexpected value '" + v + "' (permissions: read-all, write-all, or a mapping of scopes)");
            return;
        }
        if (!(n instanceof MappingNode)) {
            s.error(n, "permissions must be read-all, write-all, or a mapping of scopes");
            return;
        }
        for (NodeTuple t : Yaml.entries(n)) {
            String scope = Yaml.scalar(t.getKeyNode());
            Set<String> values = SCOPES.get(scope);
            if (values == null) {
                s.error(
                        t.getKeyNode(),
                        "Unexpected value '" + scope + "' (permission scopes: "
                                + String.join(", ", new java.util.TreeSet<>(SCOPES.keySet())) + ")");
                continue;
            }
            String v = Yaml.scalar(t.getValueNode());
            if (v == null || !values.contains(v))
                s.error(
                        t.getValueNode(),
                        "Unexpected value '" + v + "' (" + scope + " takes "
                                + String.join(", ", new java.util.TreeSet<>(values)) + ")");
        }
    }

    private Permissions() {}
}
