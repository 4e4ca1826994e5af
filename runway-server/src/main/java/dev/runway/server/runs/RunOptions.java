package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.Json;
import dev.runway.workflow.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a run was asked for beyond its workflow (`runway run --job --matrix`): only some jobs (and the jobs they
 * need), only matrix legs with given values, and a working tree to check out instead of the commit.
 */
public record RunOptions(List<String> jobs, Map<String, String> matrix, boolean workingTree) {
    public static final RunOptions NONE = new RunOptions(List.of(), Map.of(), false);

    public RunOptions {
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
        matrix = matrix == null ? Map.of() : Map.copyOf(matrix);
    }

    public static RunOptions parse(String json) {
        if (json == null) return NONE;
        try {
            return Json.lenient().readValue(json, RunOptions.class);
        } catch (JsonProcessingException e) {
            return NONE;
        }
    }

    /** The jobs that run: all, or the selected ones and, transitively, the jobs they need. */
    public Set<String> selected(Workflow wf) {
        if (jobs.isEmpty()) return new LinkedHashSet<>(wf.jobOrder());
        Set<String> out = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(jobs);
        while (!todo.isEmpty()) {
            String j = todo.remove(todo.size() - 1);
            if (out.add(j)) todo.addAll(wf.jobs().get(j).needs());
        }
        return out;
    }

    /** Checks the selection against the workflow; an {@link IllegalArgumentException} names an unknown job. */
    public void check(Workflow wf) {
        for (String j : jobs) {
            if (!wf.jobs().containsKey(j))
                throw new IllegalArgumentException("jobs: the workflow has no job '" + j + "' (its jobs: "
                        + String.join(", ", wf.jobOrder()) + ")");
        }
    }

    /** Whether a matrix combination has every value asked for (compared as strings). */
    public boolean keeps(Map<String, Object> combination) {
        for (Map.Entry<String, String> e : matrix.entrySet()) {
            if (!combination.containsKey(e.getKey())) continue; // a job without that axis is not filtered
            if (!String.valueOf(combination.get(e.getKey())).equals(e.getValue())) return false;
        }
        return true;
    }

    public String json() {
        try {
            return Json.lenient().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
