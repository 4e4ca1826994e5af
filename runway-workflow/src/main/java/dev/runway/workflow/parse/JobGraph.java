package dev.runway.workflow.parse;

import dev.runway.workflow.model.Job;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Jobs ordered by {@code needs}: unknown jobs and cycles are errors at the {@code needs} entry that names them. */
final class JobGraph {
    static List<String> order(Map<String, Job> jobs, Map<String, Node> nodes, @Nullable Node firstJobKey, Session s) {
        unrunnable(jobs, nodes, s);
        Set<String> done = new HashSet<>();
        List<String> order = new ArrayList<>();
        for (String id : jobs.keySet()) visit(id, jobs, done, new HashSet<>(), order);
        if (!jobs.isEmpty() && jobs.values().stream().allMatch(j -> !j.needs().isEmpty())) {
            Node first = firstJobKey != null
                    ? firstJobKey
                    : nodes.values().iterator().next();
            s.error(first, "The workflow must contain at least one job with no dependencies.");
        }
        return order;
    }

    /**
     * As GitHub's parser: the jobs whose needs can never all be met are found by running the graph (a job is ready
     * when every job it needs has run), and each need of theirs is an error at its entry: an unknown job, a job on a
     * cycle with it (every edge of a cycle is reported, in file order), or a job that itself can never run.
     */
    private static void unrunnable(Map<String, Job> jobs, Map<String, Node> nodes, Session s) {
        Set<String> ran = new HashSet<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (Job j : jobs.values()) {
                if (!ran.contains(j.id()) && ran.containsAll(j.needs())) {
                    ran.add(j.id());
                    progress = true;
                }
            }
        }
        for (Job j : jobs.values()) {
            if (ran.contains(j.id())) continue;
            for (String need : j.needs()) {
                if (need != null && ran.contains(need)) continue;
                Node at = needsEntry(java.util.Objects.requireNonNull(nodes.get(j.id())), need);
                if (need == null || !jobs.containsKey(need)) {
                    s.error(at, "Job '" + j.id() + "' depends on unknown job '" + need + "'.");
                } else if (reaches(need, j.id(), jobs, new HashSet<>())) {
                    s.error(
                            at,
                            "Job '" + j.id() + "' depends on job '" + need
                                    + "' which creates a cycle in the dependency graph.");
                } else {
                    s.error(
                            at,
                            "Job '" + j.id() + "' depends on job '" + need + "', which can never run (see its needs).");
                }
            }
        }
    }

    /** Whether job {@code from} needs {@code to}, directly or through other jobs. */
    private static boolean reaches(String from, String to, Map<String, Job> jobs, Set<String> seen) {
        if (!seen.add(from) || !jobs.containsKey(from)) return false;
        for (String n : jobs.get(from).needs()) {
            if (to.equals(n) || reaches(n, to, jobs, seen)) return true;
        }
        return false;
    }

    /** Depth first, needs before the jobs that need them; cycles and unknown jobs (already errors) are skipped. */
    private static void visit(
            String id, Map<String, Job> jobs, Set<String> done, Set<String> path, List<String> order) {
        if (done.contains(id) || !path.add(id)) return;
        for (String need : java.util.Objects.requireNonNull(jobs.get(id)).needs()) {
            if (need != null && jobs.containsKey(need)) visit(need, jobs, done, path, order);
        }
        path.remove(id);
        done.add(id);
        order.add(id);
    }

    /** The node of {@code needs} that names {@code need} (for the error position), else the job. */
    private static Node needsEntry(Node job, @Nullable String need) {
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
