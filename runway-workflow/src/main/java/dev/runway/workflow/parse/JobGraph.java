package dev.runway.workflow.parse;

import dev.runway.workflow.model.Job;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Jobs ordered by {@code needs}: unknown jobs and cycles are errors at the {@code needs} entry that names them. */
final class JobGraph {
    static List<String> order(Map<String, Job> jobs, Map<String, Node> nodes, Node firstJobKey, Session s) {
        for (Job j : jobs.values()) {
            for (String need : j.needs()) {
                if (need == null || !jobs.containsKey(need)) {
                    s.error(
                            needsEntry(nodes.get(j.id()), need),
                            "Job '" + j.id() + "' depends on unknown job '" + need + "'.");
                }
            }
        }
        Map<String, Integer> state = new LinkedHashMap<>(); // 1 visiting, 2 done
        List<String> order = new ArrayList<>();
        for (String id : jobs.keySet()) visit(id, jobs, nodes, state, order, new ArrayList<>(), s);
        if (!jobs.isEmpty() && jobs.values().stream().allMatch(j -> !j.needs().isEmpty())) {
            Node first = firstJobKey != null
                    ? firstJobKey
                    : nodes.values().iterator().next();
            s.error(first, "The workflow must contain at least one job with no dependencies.");
        }
        return order;
    }

    private static void visit(
            String id,
            Map<String, Job> jobs,
            Map<String, Node> nodes,
            Map<String, Integer> state,
            List<String> order,
            List<String> path,
            Session s) {
        Integer st = state.get(id);
        if (st != null && st == 2) return;
        if (st != null && st == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            String from = path.get(path.size() - 1);
            s.error(
                    needsEntry(nodes.get(from), id),
                    "Job '" + from + "' depends on job '" + id + "', which creates a cycle: "
                            + String.join(" -> ", cycle));
            return;
        }
        state.put(id, 1);
        path.add(id);
        for (String need : jobs.get(id).needs()) {
            if (need != null && jobs.containsKey(need)) visit(need, jobs, nodes, state, order, path, s);
        }
        path.remove(path.size() - 1);
        state.put(id, 2);
        order.add(id);
    }

    /** The node of {@code needs} that names {@code need} (for the error position), else the job. */
    private static Node needsEntry(Node job, String need) {
        for (NodeTuple t : Yaml.entries(job)) {
            if (!"needs".equals(Yaml.scalar(t.getKeyNode()))) continue;
            Node v = t.getValueNode();
            if (v instanceof ScalarNode) return v;
            for (Node i : Yaml.items(v)) if (need != null && need.equals(Yaml.scalar(i))) return i;
            return v;
        }
        return job;
    }

    private JobGraph() {}
}
