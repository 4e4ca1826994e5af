package dev.runway.server.runs;

import dev.runway.server.store.RunRecord;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each run's workflow, parsed once per run and replica (with the reusable workflows it calls as they were read when
 * it was created): a run's text never changes, yet the scheduler plans every
 * unfinished run on each sweep and {@code GET /api/v1/runs/{id}} draws its job graph. Bounded: past {@link
 * #capacity} runs the least recently used is parsed again when next asked for.
 */
public final class ParsedWorkflows {
    static final int CAPACITY = 1000;

    private final int capacity;
    private final Map<String, WorkflowParser.Result> byRun;
    private long parses;

    public ParsedWorkflows() {
        this(CAPACITY);
    }

    ParsedWorkflows(int capacity) {
        this.capacity = capacity;
        this.byRun = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, WorkflowParser.Result> eldest) {
                return size() > ParsedWorkflows.this.capacity;
            }
        };
    }

    /** Keeps {@code parsed}, the workflow of a run just created (parsed before it was stored). */
    public synchronized void put(String runId, WorkflowParser.Result parsed) {
        byRun.put(runId, parsed);
    }

    /** The run's workflow, parsed now only if it is not kept. */
    public WorkflowParser.Result of(RunRecord run) {
        synchronized (this) {
            WorkflowParser.Result r = byRun.get(run.id());
            if (r != null) return r;
        }
        // parsed outside the lock: one large workflow must not hold up every other run's lookup
        WorkflowParser.Result r =
                WorkflowParser.parse(run.workflowPath(), run.workflowText(), Callees.options(run.calleesJson()));
        synchronized (this) {
            parses++;
            byRun.putIfAbsent(run.id(), r);
            return byRun.get(run.id());
        }
    }

    /** How many times a workflow was parsed here (runs created elsewhere, or evicted). */
    public synchronized long parses() {
        return parses;
    }
}
