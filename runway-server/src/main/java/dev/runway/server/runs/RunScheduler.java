package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.JobState;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogContext;
import dev.runway.server.environments.Deployments;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.Transition;
import dev.runway.server.store.Transitions;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.WorkflowParser;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves runs forward: after a run is created and whenever one of its jobs finishes, {@link #advance} plans the
 * next step ({@link RunPlanner}) and applies it in one transaction that holds the run's row, so replicas sharing a
 * database never start a job twice (a unique index on run, job and matrix leg backs that up). A periodic {@link
 * #sweep} catches runs whose event was lost to a crash between a job's completion and its run's advance. The jobs
 * it starts, cancels and finishes go through the store's {@link Transitions} like every other job change.
 */
public final class RunScheduler {
    private static final Logger log = LoggerFactory.getLogger(RunScheduler.class);
    /** Planning passes in one advance: skipped jobs can unblock their dependents at once. */
    static final int MAX_PASSES = 1000;

    private final RunStore runs;
    private final RunPlanner planner;
    private final Transitions transitions;
    private final ParsedWorkflows parsed;
    private final InstantSource clock;
    /** The runs this thread is advancing now: their own job changes, heard back through the listeners, are planned. */
    private final ThreadLocal<Set<String>> advancing = ThreadLocal.withInitial(HashSet::new);

    public RunScheduler(
            RunStore runs, RunPlanner planner, Transitions transitions, ParsedWorkflows parsed, InstantSource clock) {
        this.runs = runs;
        this.planner = planner;
        this.transitions = transitions;
        this.parsed = parsed;
        this.clock = clock;
    }

    /**
     * A job of the run finished: advances it, unless this thread is advancing it already (the change came from that
     * advance, which plans until nothing more changes).
     */
    public void jobFinished(String runId) {
        if (!advancing.get().contains(runId)) advance(runId);
    }

    /** Advances a run just created from {@code parsed}, its workflow already read outside any transaction. */
    public RunRecord start(String runId, WorkflowParser.Result parsed) {
        this.parsed.put(runId, parsed);
        return advance(runId);
    }

    /** Plans and applies what the run does next; returns the run as it is afterwards. */
    public RunRecord advance(String runId) {
        List<String> others = new ArrayList<>();
        RunRecord r;
        try (LogContext ignored = LogContext.run(runId)) {
            r = advanceOne(runId, others);
        }
        // runs this one touched through a concurrency group (cancelled, or now free to start) move on too
        Set<String> done = new HashSet<>(List.of(runId));
        while (!others.isEmpty()) {
            String next = others.remove(0);
            if (!done.add(next)) continue;
            // another run: the job that led here is not its own
            try (LogContext ignored = LogContext.with(
                    LogContext.RUN_ID,
                    next,
                    LogContext.JOB_ID,
                    null,
                    LogContext.ATTEMPT,
                    null,
                    LogContext.RUNNER_ID,
                    null)) {
                advanceOne(next, others);
            }
        }
        return r;
    }

    private RunRecord advanceOne(String runId, List<String> others) {
        Set<String> mine = advancing.get();
        boolean outer = mine.add(runId);
        try {
            return plan(runId, others);
        } finally {
            if (outer) mine.remove(runId);
        }
    }

    private RunRecord plan(String runId, List<String> others) {
        // the workflow is read before the transaction: a run's text never changes, and the one database
        // connection must not wait on a parser
        RunRecord unlocked = runs.get(runId);
        if (unlocked == null || unlocked.state().isTerminal()) return unlocked;
        WorkflowParser.Result parsed = this.parsed.of(unlocked);
        return transitions.tx(runs.database(), (c, p) -> {
            RunRecord run = runs.lock(c, runId);
            if (run == null || run.state().isTerminal()) return run;
            if (!parsed.ok()) { // only if a newer Runway reads an old run's file differently
                RunStore.setState(
                        c,
                        runId,
                        JobState.FAILED,
                        "the workflow no longer parses: " + parsed.errors().get(0),
                        clock.millis());
                return runs.lock(c, runId);
            }
            Workflow wf = parsed.workflow();
            long now = clock.millis();
            if (run.state() == JobState.QUEUED && wf.concurrency() != null && !run.cancelRequested()) {
                if (!admit(c, p, run, wf, now, others)) return runs.lock(c, runId); // pending behind its group
                run = runs.lock(c, runId);
            }
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                List<JobRecord> jobs = JobStore.ofRun(c, runId);
                List<RunPlanner.Action> actions = planner.plan(run, wf, jobs);
                boolean again = false;
                for (RunPlanner.Action a : actions) {
                    again |= apply(c, p, run, jobs, a, now, others);
                }
                if (run.state() == JobState.QUEUED
                        && !actions.isEmpty()
                        && actions.stream().noneMatch(x -> x instanceof RunPlanner.Complete)) {
                    RunStore.setState(c, runId, JobState.RUNNING, null, null);
                    run = runs.lock(c, runId);
                }
                if (!again) break;
            }
            return runs.lock(c, runId);
        });
    }

    /** Applies one action; true if it finished something, so planning again may find more to do. */
    private boolean apply(
            Connection c,
            Transitions.Pending p,
            RunRecord run,
            List<JobRecord> jobs,
            RunPlanner.Action a,
            long now,
            List<String> others)
            throws SQLException {
        switch (a) {
            case RunPlanner.Start s -> {
                if (s.environment() != null) {
                    switch (Deployments.check(c, run, s.environment(), now)) {
                        case Deployments.Verdict.Wait w -> {
                            return false; // planned again on a decision, and by the sweep for the wait timer
                        }
                        case Deployments.Verdict.Refuse r -> {
                            finished(
                                    c,
                                    p,
                                    run,
                                    s.jobKey(),
                                    s.matrixIndex(),
                                    s.matrixTotal(),
                                    s.name(),
                                    JobState.FAILED,
                                    r.reason(),
                                    now);
                            return true;
                        }
                        case Deployments.Verdict.Proceed ok -> {}
                    }
                }
                Set<String> labels = Labels.normalise(s.labels());
                if (s.concurrency() != null) makeRoom(c, p, run, s.concurrency(), now, others);
                JobRecord j = JobStore.insert(
                        c,
                        p,
                        new JobStore.NewJob(
                                s.name(),
                                json(s.spec()),
                                labels,
                                s.spec().maxAttempts(),
                                s.timeoutMs(),
                                JobState.QUEUED,
                                null,
                                run.id(),
                                s.jobKey(),
                                s.matrixIndex(),
                                s.matrixTotal(),
                                s.continueOnError(),
                                s.concurrency() == null ? null : s.concurrency().group()),
                        now);
                log.info("run {}: job '{}' queued as {}", run.id(), s.name(), j.id());
                return false;
            }
            case RunPlanner.Finish f -> {
                finished(c, p, run, f.jobKey(), f.matrixIndex(), f.matrixTotal(), f.name(), f.state(), f.reason(), now);
                return true;
            }
            case RunPlanner.CancelLegs cl -> {
                boolean finished = false;
                Transition.Cause cause =
                        run.cancelRequested() ? Transition.Cause.RUN_CANCEL : Transition.Cause.FAIL_FAST;
                for (JobRecord j : jobs) {
                    if (dev.runway.workflow.calls.JobKeys.within(cl.jobKey(), j.jobKey())
                            && !j.state().isTerminal()
                            && !j.cancelRequested()) {
                        finished |= JobStore.cancel(c, p, j.id(), now, cl.reason(), cause)
                                == JobStore.CancelOutcome.CANCELLED;
                    }
                }
                return finished;
            }
            case RunPlanner.Complete done -> {
                RunStore.setState(c, run.id(), done.state(), done.reason(), now);
                if (run.concurrencyGroup() != null) { // a pending run of the group may start now
                    for (RunStore.GroupRun o : RunStore.inGroup(c, run.concurrencyGroup(), run.id()))
                        others.add(o.runId());
                }
                log.info(
                        "run {} finished: {} in {} ms{}",
                        run.id(),
                        done.state().wireName(),
                        now - run.createdAt(),
                        done.reason() == null ? "" : " (" + done.reason() + ")");
                return false;
            }
        }
    }

    /** Records a workflow job that will not run (skipped, or failed before it could start) as a finished job. */
    private static void finished(
            Connection c,
            Transitions.Pending p,
            RunRecord run,
            String jobKey,
            int matrixIndex,
            int matrixTotal,
            String name,
            JobState state,
            String reason,
            long now)
            throws SQLException {
        JobStore.insert(
                c,
                p,
                new JobStore.NewJob(
                        name,
                        "{}",
                        Set.of(),
                        1,
                        0,
                        state,
                        reason,
                        run.id(),
                        jobKey,
                        matrixIndex,
                        matrixTotal,
                        false,
                        null),
                now);
    }

    /**
     * Workflow-level concurrency: on first sight the run joins its group, cancelling the group's pending runs (and,
     * with cancel-in-progress, its running ones); it starts only when no other run of the group is running.
     */
    private boolean admit(
            Connection c, Transitions.Pending p, RunRecord run, Workflow wf, long now, List<String> others)
            throws SQLException {
        if (run.concurrencyGroup() == null) {
            Concurrency g;
            try {
                g = Concurrency.of(
                        wf.concurrency(),
                        scope(run),
                        new Templates.Scope(
                                RunContexts.jobLevel(run, RunContexts.github(run, wf), new Value.Obj(), null, null)));
            } catch (RuntimeException e) {
                RunStore.setState(c, run.id(), JobState.FAILED, "concurrency: " + e.getMessage(), now);
                return false;
            }
            if (g == null) return true;
            RunStore.setGroup(c, run.id(), g.group());
            for (RunStore.GroupRun o : RunStore.inGroup(c, g.group(), run.id())) {
                boolean running = o.running();
                if (running && !g.cancelInProgress()) continue;
                String why = "cancelled: run " + run.id() + " joined concurrency group '" + g.shown() + "'";
                if (running) {
                    RunStore.requestCancel(c, o.runId());
                    for (JobRecord j : JobStore.ofRun(c, o.runId())) {
                        if (!j.state().isTerminal())
                            JobStore.cancel(c, p, j.id(), now, why, Transition.Cause.CONCURRENCY);
                    }
                } else {
                    RunStore.setState(c, o.runId(), JobState.CANCELLED, why, now);
                }
                others.add(o.runId());
            }
            run = runs.lock(c, run.id());
        }
        return RunStore.inGroup(c, run.concurrencyGroup(), run.id()).stream().noneMatch(RunStore.GroupRun::running);
    }

    /** Job-level concurrency: a new job replaces the group's queued job (and, with cancel-in-progress, its running one). */
    private static void makeRoom(
            Connection c, Transitions.Pending p, RunRecord run, Concurrency g, long now, List<String> others)
            throws SQLException {
        List<JobStore.GroupJob> members = JobStore.inGroup(c, g.group());
        boolean anyRunning = members.stream().anyMatch(JobStore.GroupJob::running);
        for (int i = 0; i < members.size(); i++) {
            JobStore.GroupJob j = members.get(i);
            // the oldest queued job of an idle group is about to run: it counts as in progress, not as pending
            if (g.sameCall(run.id(), j.runId(), j.jobKey())) continue; // a call's jobs share its group
            boolean inProgress = j.running() || (!anyRunning && i == 0);
            if (inProgress && !g.cancelInProgress()) continue;
            JobStore.cancel(
                    c,
                    p,
                    j.jobId(),
                    now,
                    "cancelled: a newer job of run " + run.id() + " joined concurrency group '" + g.shown() + "'",
                    Transition.Cause.CONCURRENCY);
            if (j.runId() != null && !j.runId().equals(run.id())) others.add(j.runId());
        }
    }

    static String scope(RunRecord run) {
        return run.repo() != null ? run.repo() : "workflow:" + run.workflowPath();
    }

    /** The run's workflow, parsed once per run and replica ({@link ParsedWorkflows}). */
    public WorkflowParser.Result workflow(RunRecord run) {
        return parsed.of(run);
    }

    /** Cancels a run: jobs not started are cancelled, running ones asked to stop; the run ends when they have. */
    public RunRecord cancel(String runId) {
        transitions.tx(runs.database(), (c, p) -> {
            RunStore.requestCancel(c, runId);
            long now = clock.millis();
            for (JobRecord j : JobStore.ofRun(c, runId)) {
                if (!j.state().isTerminal())
                    JobStore.cancel(c, p, j.id(), now, "run cancelled", Transition.Cause.RUN_CANCEL);
            }
            return null;
        });
        return advance(runId);
    }

    /** What a re-run runs again: every job, the failed ones, or one job; each with the jobs that need it. */
    public sealed interface Rerun {
        record All() implements Rerun {}

        record Failed() implements Rerun {}

        record OneJob(String key) implements Rerun {}
    }

    /** Why a run cannot be re-run as asked (it still runs, or names no such job). */
    public static final class RerunRefused extends RuntimeException {
        private final boolean badRequest;

        RerunRefused(String message, boolean badRequest) {
            super(message);
            this.badRequest = badRequest;
        }

        RerunRefused(String message) {
            this(message, false);
        }

        /** The request was wrong (no such job), rather than the run's state (still running, nothing failed). */
        public boolean badRequest() {
            return badRequest;
        }
    }

    /**
     * Starts the next attempt of a finished run. Top-level workflow jobs that are run again (all; those with a failed,
     * cancelled or timed-out leg; or the one named) and every job that needs them, directly or not, are planned
     * afresh; the other jobs' legs are carried into the new attempt unchanged, outputs included, so the jobs that
     * need them see what they saw. The earlier attempt's jobs and logs stay readable.
     */
    public RunRecord rerun(String runId, Rerun what) {
        RunRecord unlocked = runs.get(runId);
        if (unlocked == null) throw new RerunRefused("no run with id '" + runId + "'");
        WorkflowParser.Result parsed = this.parsed.of(unlocked);
        if (!parsed.ok())
            throw new RerunRefused(
                    "the run's workflow no longer parses: " + parsed.errors().get(0));
        Workflow wf = parsed.workflow();
        if (what instanceof Rerun.OneJob one && !wf.jobs().containsKey(one.key()))
            throw new RerunRefused(
                    "job: the run's workflow has no job '" + one.key() + "' (its jobs: "
                            + String.join(", ", wf.jobs().keySet()) + ")",
                    true);
        transitions.tx(runs.database(), (c, p) -> {
            RunRecord run = runs.lock(c, runId);
            if (!run.state().isTerminal())
                throw new RerunRefused("run " + runId + " is still "
                        + run.state().wireName() + ": cancel it or wait until it finishes");
            List<JobRecord> jobs = JobStore.ofRun(c, runId);
            Set<String> again = again(wf, jobs, what);
            if (again.isEmpty()) throw new RerunRefused("run " + runId + " has no failed job to run again");
            int next = run.attempt() + 1;
            RunStore.startAttempt(c, runId, next);
            for (JobRecord j : jobs)
                if (j.jobKey() != null && !again.contains(topLevel(j.jobKey()))) JobStore.carry(c, j, next);
            log.info("run {}: attempt {} runs {} again", runId, next, again);
            return null;
        });
        return advance(runId);
    }

    /** The top-level jobs a re-run plans afresh: those asked for and, transitively, every job that needs one. */
    static Set<String> again(Workflow wf, List<JobRecord> jobs, Rerun what) {
        Set<String> seed = new java.util.LinkedHashSet<>();
        switch (what) {
            case Rerun.All all -> seed.addAll(wf.jobs().keySet());
            case Rerun.OneJob one -> seed.add(one.key());
            case Rerun.Failed failed -> {
                for (JobRecord j : jobs)
                    if (j.jobKey() != null
                            && j.state().isTerminal()
                            && j.state() != JobState.SUCCEEDED
                            && j.state() != JobState.SKIPPED) seed.add(topLevel(j.jobKey()));
            }
        }
        Set<String> out = new java.util.LinkedHashSet<>(seed);
        for (boolean grew = true; grew; ) {
            grew = false;
            for (var e : wf.jobs().entrySet())
                if (!out.contains(e.getKey()) && e.getValue().needs().stream().anyMatch(out::contains))
                    grew |= out.add(e.getKey());
        }
        return out;
    }

    /** The top-level workflow job a job key belongs to ({@code build} of {@code build[1]/test}). */
    static String topLevel(String key) {
        int end = key.length();
        for (int i = 0; i < key.length(); i++)
            if (key.charAt(i) == '/' || key.charAt(i) == '[') {
                end = i;
                break;
            }
        return key.substring(0, end);
    }

    /** Advances every unfinished run; for the background loop. */
    public void sweep() {
        for (String id : runs.active()) {
            try {
                advance(id);
            } catch (RuntimeException e) {
                log.error("run {}: cannot advance; will retry", id, e);
            }
        }
    }

    private static String json(Object o) {
        try {
            return Json.lenient().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
