package dev.runway.server.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.Json;
import dev.runway.protocol.StepSpec;
import dev.runway.server.secrets.SecretReferences;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.RunRecord;
import dev.runway.workflow.Limits;
import dev.runway.workflow.calls.CallInputs;
import dev.runway.workflow.calls.CallOutputs;
import dev.runway.workflow.calls.CallSecrets;
import dev.runway.workflow.calls.JobKeys;
import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Step;
import dev.runway.workflow.model.Strategy;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.model.WorkflowCall;
import dev.runway.workflow.parse.MatrixExpander;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what a run does next, from its workflow and the jobs it has so far: which workflow jobs became ready
 * (every job they need is done), whether their {@code if:} holds, how their matrix expands, which matrix legs to
 * start (up to {@code max-parallel}), which to cancel ({@code fail-fast}), and when the run is over with which
 * result. A job that calls a reusable workflow expands, when it becomes ready, into the called workflow's jobs
 * (each leg of its matrix into one set of them), keyed and named {@code caller/job} ({@link JobKeys}); they are
 * planned like the run's own, inside their call, and the jobs that need the caller wait for all of them. Pure: the
 * scheduler applies the actions in one transaction, so planning twice is harmless.
 */
public final class RunPlanner {
    /** What to do. */
    public sealed interface Action {}

    /** Start one matrix leg of a workflow job. */
    public record Start(
            String jobKey,
            int matrixIndex,
            int matrixTotal,
            String name,
            JobSpec spec,
            List<String> labels,
            long timeoutMs,
            boolean continueOnError,
            Concurrency concurrency,
            String environment)
            implements Action {}

    /** Record a workflow job that will not run (skipped, or failed before it could start) as a finished job. */
    public record Finish(String jobKey, int matrixIndex, int matrixTotal, String name, JobState state, String reason)
            implements Action {}

    /**
     * Cancel the legs of a matrix job still queued or running (fail-fast); for a call, every job of it ({@link
     * JobKeys#within}).
     */
    public record CancelLegs(String jobKey, String reason) implements Action {}

    /** The run is over. */
    public record Complete(JobState state, String reason) implements Action {}

    /** Server settings the planner needs. */
    public record Defaults(long jobTimeoutMs, int maxAttempts) {}

    private final Defaults defaults;

    public RunPlanner(Defaults defaults) {
        this.defaults = defaults;
    }

    /**
     * Where jobs are planned: the run's workflow, or one leg of a call of a reusable workflow (the callee, the prefix
     * of its jobs' keys and names, its inputs, the secrets levels down to it, the jobs that run). {@code stopped}
     * (null if not): why jobs that have not begun are cancelled instead, as the run is being cancelled or fail-fast
     * stopped the call's matrix.
     */
    record Frame(
            Workflow wf,
            String prefix,
            String namePrefix,
            Value inputs,
            List<CallSecrets.Level> secrets,
            Set<String> jobs,
            String stopped,
            Concurrency concurrency) {
        String key(String id) {
            return prefix + id;
        }
    }

    /** One planning of a run: its jobs, by key. */
    private static final class Pass {
        final RunRecord run;
        final Workflow wf;
        final Value.Obj github;
        /** The run's {@code vars}, as read when it started. */
        final Value.Obj vars;

        final Map<String, List<JobRecord>> byKey = new LinkedHashMap<>();

        Pass(RunRecord run, Workflow wf, List<JobRecord> jobs) {
            this.run = run;
            this.wf = wf;
            this.github = RunContexts.github(run, wf);
            this.vars = RunContexts.vars(run);
            for (JobRecord j : jobs)
                byKey.computeIfAbsent(j.jobKey(), k -> new ArrayList<>()).add(j);
            byKey.values()
                    .forEach(l -> l.sort(Comparator.comparing(j -> j.matrixIndex() == null ? 0 : j.matrixIndex())));
        }

        List<JobRecord> exact(String key) {
            return byKey.getOrDefault(key, List.of());
        }

        /** The jobs of a calling job: its own record (skipped, failed), its legs' and their jobs'. */
        List<JobRecord> within(String callerKey) {
            List<JobRecord> out = new ArrayList<>();
            byKey.forEach((k, l) -> {
                if (JobKeys.within(callerKey, k)) out.addAll(l);
            });
            return out;
        }

        List<JobRecord> inLeg(String legKey) {
            List<JobRecord> out = new ArrayList<>();
            byKey.forEach((k, l) -> {
                if (JobKeys.inLeg(legKey, k)) out.addAll(l);
            });
            return out;
        }
    }

    public List<Action> plan(RunRecord run, Workflow wf, List<JobRecord> jobs) {
        Pass p = new Pass(run, wf, jobs);
        Frame top = new Frame(
                wf,
                "",
                "",
                Templates.object(RunContexts.inputs(run)),
                List.of(),
                RunOptions.parse(run.optionsJson()).selected(wf),
                run.cancelRequested() ? "run cancelled" : null,
                null);
        List<Action> actions = new ArrayList<>();
        if (frame(p, top, actions)) actions.add(complete(jobs));
        return actions;
    }

    /**
     * Plans the jobs of a frame, adding what to do to {@code actions}; with {@code actions} null only looks. True
     * when every job of the frame is done.
     */
    private boolean frame(Pass p, Frame f, List<Action> actions) {
        boolean allDone = true;
        for (String id : f.jobs()) {
            Job job = f.wf().jobs().get(id);
            if (job.call() != null) {
                allDone &= call(p, f, job, actions);
                continue;
            }
            List<JobRecord> mine = p.exact(f.key(id));
            if (mine.isEmpty()) {
                allDone = false;
                if (actions != null && needsDone(p, f, job)) actions.addAll(begin(p, f, job));
            } else if (!done(job, mine)) {
                allDone = false;
                if (actions != null) actions.addAll(more(p, f, job, mine));
            }
        }
        return allDone;
    }

    private boolean needsDone(Pass p, Frame f, Job job) {
        for (String n : job.needs()) {
            Job need = f.wf().jobs().get(n);
            boolean done = need.call() != null ? call(p, f, need, null) : done(need, p.exact(f.key(n)));
            if (!done) return false;
        }
        return true;
    }

    /** The jobs a workflow job has so far: its legs, or for a call every job of it. */
    private static List<JobRecord> records(Pass p, Frame f, String id) {
        return f.wf().jobs().get(id).call() != null ? p.within(f.key(id)) : p.exact(f.key(id));
    }

    /**
     * Plans a job that calls a reusable workflow (with {@code actions} null only looks): when its needs are done, its
     * {@code if:} and matrix are evaluated and each leg (up to {@code max-parallel}) becomes a frame of the callee's
     * jobs, keyed {@code caller/job} ({@link JobKeys}). True when the call is done: skipped or failed before it
     * began, or every leg it started is done and no more will start.
     */
    private boolean call(Pass p, Frame f, Job job, List<Action> actions) {
        String key = f.key(job.id());
        List<JobRecord> whole = p.exact(key);
        if (!whole.isEmpty()) return whole.stream().allMatch(j -> j.state().isTerminal());
        if (p.within(key).isEmpty()) {
            if (actions != null && needsDone(p, f, job)) actions.addAll(beginCall(p, f, job));
            return false;
        }
        Value.Obj needs = needs(p, f, job);
        List<Map<String, Object>> combos;
        try { // the same inputs give the same expansion as when the call began
            combos = combinations(p.run, job, new Templates.Scope(jobLevel(f, p, needs, null, null)));
        } catch (IllegalArgumentException | ExpressionException e) { // expanded fine when it began: cannot fail now
            return p.within(key).stream().allMatch(j -> j.state().isTerminal());
        }
        boolean failed = job.strategy() != null
                && job.strategy().failFast()
                && p.within(key).stream().anyMatch(RunPlanner::failedHard);
        String stopped =
                f.stopped() != null ? f.stopped() : failed ? "fail-fast: another leg of the matrix failed" : null;
        boolean allDone = true;
        int active = 0;
        List<Integer> notStarted = new ArrayList<>();
        for (int i = 0; i < combos.size(); i++) {
            String legKey = JobKeys.leg(key, job, i);
            if (p.inLeg(legKey).isEmpty()) {
                notStarted.add(i);
                continue;
            }
            if (!p.exact(legKey).isEmpty()) continue; // failed before it started
            // fail-fast cancels the other legs' jobs not begun; in the leg that failed they are skipped as usual
            String legStopped = f.stopped() != null
                    ? f.stopped()
                    : failed && p.inLeg(legKey).stream().noneMatch(RunPlanner::failedHard) ? stopped : null;
            Frame leg;
            try {
                leg = leg(p, f, job, combos, i, needs, legStopped);
            } catch (IllegalArgumentException | ExpressionException e) {
                // evaluated fine when it started, so it cannot fail now: the leg is done when its jobs are
                if (p.inLeg(legKey).stream().anyMatch(j -> !j.state().isTerminal())) {
                    allDone = false;
                    active++;
                }
                continue;
            }
            if (!frame(p, leg, actions)) {
                allDone = false;
                active++;
            }
        }
        if (stopped != null) {
            // the stopped legs' running jobs are cancelled by their own frames (more)
            return allDone; // legs not started never will
        }
        if (notStarted.isEmpty()) return allDone;
        if (actions != null) {
            int free = maxParallel(job, combos.size()) - active;
            for (int i : notStarted) {
                if (free-- <= 0) break;
                actions.addAll(startLeg(p, f, job, combos, i, needs));
            }
        }
        return false;
    }

    /**
     * Where a job (or a call) stands before it starts: its key and name, what it needs and its scope, and
     * {@code stop} when it does not start at all (its run is stopping, its {@code if:} is false or cannot be
     * evaluated, or a job it needs did not succeed).
     */
    private record Gate(String key, String plainName, Value.Obj needs, Templates.Scope scope, List<Action> stop) {}

    private Gate gate(Pass p, Frame f, Job job) {
        String key = f.key(job.id());
        String plainName = f.namePrefix() + (job.name() == null ? job.id() : job.name());
        if (f.stopped() != null)
            return new Gate(
                    key,
                    plainName,
                    null,
                    null,
                    List.of(new Finish(key, 0, 1, plainName, JobState.CANCELLED, f.stopped())));
        Value.Obj needs = needs(p, f, job);
        Expressions.Status status = status(p, f, job);
        Templates.Scope scope = new Templates.Scope(jobLevel(f, p, needs, null, null));
        List<Action> stop = null;
        try {
            if (!Templates.condition(job.ifCondition(), scope.withStatus(status))) {
                String why = status == Expressions.Status.SUCCESS
                        ? "its if: condition was false"
                        : "a job it needs did not succeed";
                stop = List.of(new Finish(
                        key,
                        0,
                        1,
                        f.namePrefix() + render(job.name() == null ? job.id() : job.name(), scope),
                        JobState.SKIPPED,
                        why));
            }
        } catch (ExpressionException e) {
            stop = List.of(new Finish(key, 0, 1, plainName, JobState.FAILED, "if: " + e.getMessage()));
        }
        return new Gate(key, plainName, needs, scope, stop);
    }

    private List<Action> beginCall(Pass p, Frame f, Job job) {
        Gate g = gate(p, f, job);
        if (g.stop() != null) return g.stop();
        String key = g.key();
        String plainName = g.plainName();
        Value.Obj needs = g.needs();
        Templates.Scope scope = g.scope();
        Workflow callee = job.call().callee();
        if (callee == null)
            return List.of(new Finish(
                    key,
                    0,
                    1,
                    plainName,
                    JobState.FAILED,
                    "the called workflow '" + job.call().uses() + "' was not read when the run was created"));
        List<Map<String, Object>> combos;
        try {
            combos = combinations(p.run, job, scope);
        } catch (IllegalArgumentException | ExpressionException e) {
            return List.of(new Finish(key, 0, 1, plainName, JobState.FAILED, "strategy.matrix: " + e.getMessage()));
        }
        long more = (long) combos.size() * callee.jobs().size();
        long planned = planned(p, key);
        if (planned + more > Limits.MAX_JOBS_PER_RUN)
            return List.of(new Finish(
                    key,
                    0,
                    1,
                    plainName,
                    JobState.FAILED,
                    "calling '" + job.call().uses() + "' " + combos.size() + " times would make the run "
                            + (planned + more) + " jobs; at most " + Limits.MAX_JOBS_PER_RUN
                            + " jobs may run in one workflow run"));
        List<Action> out = new ArrayList<>();
        int limit = maxParallel(job, combos.size());
        for (int i = 0; i < Math.min(limit, combos.size()); i++) out.addAll(startLeg(p, f, job, combos, i, needs));
        return out;
    }

    /** Starts one leg of a call: its inputs evaluated, the callee's first jobs planned (or the leg fails). */
    private List<Action> startLeg(
            Pass p, Frame f, Job job, List<Map<String, Object>> combos, int index, Value.Obj needs) {
        Frame leg;
        try {
            leg = leg(p, f, job, combos, index, needs, f.stopped());
        } catch (IllegalArgumentException | ExpressionException e) {
            boolean matrix = job.strategy() != null;
            return List.of(new Finish(
                    JobKeys.leg(f.key(job.id()), job, index),
                    matrix ? index : 0,
                    matrix ? combos.size() : 1,
                    f.namePrefix() + defaultName(job, combos.get(index)),
                    JobState.FAILED,
                    "calling '" + job.call().uses() + "': " + e.getMessage()));
        }
        List<Action> out = new ArrayList<>();
        frame(p, leg, out);
        return out;
    }

    /** One leg of a call as a frame: the callee's jobs, with the inputs the caller gives them in this leg. */
    private static Frame leg(
            Pass p, Frame f, Job job, List<Map<String, Object>> combos, int index, Value.Obj needs, String stopped) {
        Map<String, Object> matrix = combos.get(index);
        Templates.Scope scope = new Templates.Scope(jobLevel(f, p, needs, matrix, strategy(job, combos.size(), index)));
        String legName = f.namePrefix() + render(defaultName(job, matrix), scope);
        Workflow callee = job.call().callee();
        WorkflowCall declared = callee.workflowCall() == null ? WorkflowCall.NONE : callee.workflowCall();
        Map<String, Object> inputs = CallInputs.resolve(declared, job.call().with(), scope);
        String legKey = JobKeys.leg(f.key(job.id()), job, index);
        // the caller's concurrency: its call's jobs join the group (those without one of their own)
        Concurrency own = Concurrency.of(job.concurrency(), RunScheduler.scope(p.run), scope);
        return new Frame(
                callee,
                JobKeys.prefix(legKey),
                legName + " / ",
                Templates.object(inputs),
                CallSecrets.extend(f.secrets(), job.call()),
                new LinkedHashSet<>(callee.jobOrder()),
                stopped,
                own != null ? own.forCall(legKey) : f.concurrency());
    }

    /** {@code needs.<id>} of a call: its result over all its jobs, and the callee's outputs (later legs win). */
    private static Value.Obj callNeed(Pass p, Frame f, Job job) {
        Value.Obj o = new Value.Obj();
        o.put("result", new Value.Str(result(p.within(f.key(job.id())))));
        o.put("outputs", Templates.fromJava(callOutputs(p, f, job)));
        return o;
    }

    private static Map<String, String> callOutputs(Pass p, Frame f, Job job) {
        Map<String, String> out = new LinkedHashMap<>();
        String key = f.key(job.id());
        Workflow callee = job.call().callee();
        if (!p.exact(key).isEmpty() || callee == null) return out;
        Value.Obj needs = needs(p, f, job);
        List<Map<String, Object>> combos;
        try {
            combos = combinations(p.run, job, new Templates.Scope(jobLevel(f, p, needs, null, null)));
        } catch (IllegalArgumentException | ExpressionException e) {
            return out;
        }
        WorkflowCall declared = callee.workflowCall() == null ? WorkflowCall.NONE : callee.workflowCall();
        for (int i = 0; i < combos.size(); i++) {
            String legKey = JobKeys.leg(key, job, i);
            if (p.inLeg(legKey).isEmpty() || !p.exact(legKey).isEmpty()) continue;
            Frame leg;
            try {
                leg = leg(p, f, job, combos, i, needs, null);
            } catch (IllegalArgumentException | ExpressionException e) {
                continue;
            }
            Map<String, CallOutputs.JobResult> jobs = new LinkedHashMap<>();
            for (String id : leg.jobs()) {
                Job j = callee.jobs().get(id);
                Map<String, String> outputs = new LinkedHashMap<>();
                if (j.call() != null) outputs.putAll(callOutputs(p, leg, j));
                else for (JobRecord r : p.exact(leg.key(id))) merge(outputs, outputs(r));
                jobs.put(id, new CallOutputs.JobResult(result(records(p, leg, id)), outputs));
            }
            Value.Obj contexts = new Value.Obj();
            contexts.put("github", p.github);
            contexts.put("inputs", leg.inputs());
            contexts.put("vars", p.vars);
            out.putAll(CallOutputs.evaluate(declared, jobs, contexts));
        }
        return out;
    }

    private static Value.Obj needs(Pass p, Frame f, Job job) {
        Value.Obj needs = new Value.Obj();
        for (String n : job.needs()) {
            Job need = f.wf().jobs().get(n);
            needs.put(n, need.call() != null ? callNeed(p, f, need) : need(p.exact(f.key(n))));
        }
        return needs;
    }

    private static Value.Obj jobLevel(
            Frame f, Pass p, Value.Obj needs, Map<String, Object> matrix, Map<String, Object> strategy) {
        return RunContexts.jobLevel(f.inputs(), p.vars, p.github, needs, matrix, strategy);
    }

    /** The jobs the run has or will have, but for those of {@code except}: for a job not begun, its legs. */
    private static long planned(Pass p, String except) {
        long n = 0;
        for (var e : p.byKey.entrySet()) if (!JobKeys.within(except, e.getKey())) n += total(e.getValue());
        for (String id : RunOptions.parse(p.run.optionsJson()).selected(p.wf)) {
            if (!id.equals(except) && p.within(id).isEmpty())
                n += WorkflowParser.legs(p.wf.jobs().get(id));
        }
        return n;
    }

    /** The jobs a workflow job has or will have: its matrix legs. */
    private static long total(List<JobRecord> legs) {
        return legs.isEmpty() || legs.get(0).matrixTotal() == null
                ? legs.size()
                : legs.get(0).matrixTotal();
    }

    /** A workflow job is done when every leg it will have exists and finished. */
    static boolean done(Job job, List<JobRecord> legs) {
        if (legs.isEmpty() || !legs.stream().allMatch(j -> j.state().isTerminal())) return false;
        int total = legs.get(0).matrixTotal() == null ? 1 : legs.get(0).matrixTotal();
        return legs.size() >= total || stoppedByFailFast(job, legs);
    }

    private static boolean stoppedByFailFast(Job job, List<JobRecord> legs) {
        boolean failFast = job.strategy() == null || job.strategy().failFast();
        return failFast && legs.stream().anyMatch(RunPlanner::failedHard);
    }

    private static boolean failedHard(JobRecord j) {
        return (j.state() == JobState.FAILED || j.state() == JobState.TIMED_OUT) && !j.continueOnError();
    }

    /** GitHub's {@code needs.<id>.result} of a (possibly matrix) job. */
    static String result(List<JobRecord> legs) {
        if (legs.stream().anyMatch(RunPlanner::failedHard)) return "failure";
        if (legs.stream().anyMatch(j -> j.state() == JobState.CANCELLED)) return "cancelled";
        if (legs.stream().allMatch(j -> j.state() == JobState.SKIPPED)) return "skipped";
        return "success";
    }

    private List<Action> begin(Pass p, Frame f, Job job) {
        Gate g = gate(p, f, job);
        if (g.stop() != null) return g.stop();
        String key = g.key();
        String plainName = g.plainName();
        Value.Obj needs = g.needs();
        Templates.Scope scope = g.scope();
        List<Map<String, Object>> combos;
        try {
            combos = combinations(p.run, job, scope);
        } catch (IllegalArgumentException | ExpressionException e) {
            return List.of(new Finish(key, 0, 1, plainName, JobState.FAILED, "strategy.matrix: " + e.getMessage()));
        }
        // the other jobs' legs: those they have, or will have (a matrix known only at run time counts one)
        long planned = planned(p, key);
        if (planned + combos.size() > Limits.MAX_JOBS_PER_RUN)
            return List.of(new Finish(
                    key,
                    0,
                    1,
                    plainName,
                    JobState.FAILED,
                    "strategy.matrix: " + combos.size() + " more jobs would make the run " + (planned + combos.size())
                            + " jobs; at most " + Limits.MAX_JOBS_PER_RUN + " jobs may run in one workflow run"));
        List<Action> out = new ArrayList<>();
        int limit = maxParallel(job, combos.size());
        for (int i = 0; i < Math.min(limit, combos.size()); i++) out.add(leg(p, f, job, combos, i, needs));
        return out;
    }

    private List<Action> more(Pass p, Frame f, Job job, List<JobRecord> mine) {
        List<Action> out = new ArrayList<>();
        String key = f.key(job.id());
        boolean running = mine.stream().anyMatch(j -> !j.state().isTerminal());
        if (stoppedByFailFast(job, mine) || f.stopped() != null) {
            if (running) {
                String why = f.stopped() != null ? f.stopped() : "fail-fast: another leg of the matrix failed";
                out.add(new CancelLegs(key, why));
            }
            return out;
        }
        int total = mine.get(0).matrixTotal() == null ? 1 : mine.get(0).matrixTotal();
        if (mine.size() >= total) return out;
        long active = mine.stream().filter(j -> !j.state().isTerminal()).count();
        int free = (int) (maxParallel(job, total) - active);
        if (free <= 0) return out;
        Value.Obj needs = needs(p, f, job);
        Templates.Scope scope = new Templates.Scope(jobLevel(f, p, needs, null, null));
        List<Map<String, Object>> combos;
        try {
            combos = combinations(p.run, job, scope); // the same inputs give the same expansion
        } catch (IllegalArgumentException | ExpressionException e) {
            return out; // expanded fine when the job began; nothing new can be started
        }
        Set<Integer> started = new HashSet<>();
        for (JobRecord j : mine) started.add(j.matrixIndex() == null ? 0 : j.matrixIndex());
        for (int i = 0; i < combos.size() && free > 0; i++) {
            if (started.contains(i)) continue;
            out.add(leg(p, f, job, combos, i, needs));
            free--;
        }
        return out;
    }

    private static Map<String, Object> strategy(Job job, int total, int index) {
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("fail-fast", job.strategy() == null || job.strategy().failFast());
        strategy.put("job-index", index);
        strategy.put("job-total", total);
        strategy.put("max-parallel", maxParallel(job, total));
        return strategy;
    }

    private Action leg(Pass p, Frame f, Job job, List<Map<String, Object>> combos, int index, Value.Obj needs) {
        RunRecord run = p.run;
        String key = f.key(job.id());
        Map<String, Object> matrix = combos.get(index);
        Map<String, Object> strategy = strategy(job, combos.size(), index);
        Value.Obj contexts = jobLevel(f, p, needs, matrix, strategy);
        Templates.Scope scope = new Templates.Scope(contexts);
        String name = f.namePrefix() + defaultName(job, matrix);
        try {
            name = f.namePrefix() + render(defaultName(job, matrix), scope);
            // workflow env, then job env (which sees the workflow's as env.*); values that need secrets.*, runner.*
            // or github.workspace are left for the runner, which alone has them (contexts.runway.secretEnv). A
            // called workflow's jobs get the callee's env, not the caller's (as on GitHub)
            Map<String, String> env = new LinkedHashMap<>();
            Map<String, String> secretWorkflowEnv = new LinkedHashMap<>();
            Map<String, String> secretJobEnv = new LinkedHashMap<>();
            for (var e : f.wf().env().entrySet()) {
                if (RunnerSide.needed(e.getValue())) secretWorkflowEnv.put(e.getKey(), e.getValue());
                else env.put(e.getKey(), Templates.render(e.getValue(), scope));
            }
            Value.Obj withEnv = jobLevel(f, p, needs, matrix, strategy);
            withEnv.put("env", Templates.fromJava(env));
            Templates.Scope jobScope = new Templates.Scope(withEnv);
            for (var e : job.env().entrySet()) {
                boolean needsSecret = RunnerSide.needed(e.getValue())
                        || (!secretWorkflowEnv.isEmpty() && e.getValue().contains("env"));
                if (needsSecret) {
                    secretJobEnv.put(e.getKey(), e.getValue());
                } else {
                    env.put(e.getKey(), Templates.render(e.getValue(), jobScope));
                    secretWorkflowEnv.remove(e.getKey()); // the job's own value wins
                }
            }
            if (SecretReferences.mentioned(String.valueOf(job.container()))
                    || SecretReferences.mentioned(String.valueOf(job.services())))
                throw new IllegalArgumentException("not supported by Runway: secrets.* in container: or services: (they"
                        + " would be empty); give the secret to the steps that need it through env:");
            List<String> labels = labels(job, scope);
            long timeoutMs = job.timeoutSeconds() == null ? defaults.jobTimeoutMs() : job.timeoutSeconds() * 1_000L;
            boolean continueOnError = job.continueOnError() != null
                    && Templates.value(job.continueOnError(), scope).truthy();
            Map<String, Object> ctx = new LinkedHashMap<>();
            ctx.put("github", Templates.toJava(withJob(p.github, job.id())));
            ctx.put("inputs", Templates.toJava(contexts.get("inputs")));
            ctx.put("vars", Templates.toJava(p.vars));
            ctx.put("needs", Templates.toJava(needs));
            ctx.put("matrix", matrix);
            ctx.put("strategy", strategy);
            Map<String, Object> runway = new LinkedHashMap<>(); // not a user context
            if (RunOptions.parse(run.optionsJson()).workingTree() && run.repo() != null)
                runway.put("workingTree", run.repo()); // for actions/checkout
            if (!secretWorkflowEnv.isEmpty() || !secretJobEnv.isEmpty())
                runway.put("secretEnv", Map.of("workflow", secretWorkflowEnv, "job", secretJobEnv));
            // a called workflow's job: the secrets each call on the way passes on (the runner applies them)
            if (!f.secrets().isEmpty()) runway.put(CallSecrets.KEY, CallSecrets.data(f.secrets()));
            // a pull request from a fork: the delivery sends this job no secret at all (JobDelivery)
            if (run.secretsWithheld() != null) runway.put(SecretReferences.WITHHELD, run.secretsWithheld());
            // a deployment: the environment whose secrets and variables the job gets, once its rules let it start
            Map<String, String> environment = environment(job.environment(), scope);
            if (environment != null) runway.put(SecretReferences.ENVIRONMENT, environment);
            if (!runway.isEmpty()) ctx.put("runway", runway);
            JobSpec spec = new JobSpec(
                    name,
                    labels,
                    env,
                    steps(f.wf(), job),
                    (int) (timeoutMs / 1000),
                    defaults.maxAttempts(),
                    ctx,
                    job.outputs(),
                    evaluateHere(job.container(), scope),
                    castMap(evaluateHere(job.services(), scope)));
            Concurrency concurrency = job.concurrency() != null
                    ? Concurrency.of(job.concurrency(), RunScheduler.scope(run), jobScope)
                    : f.concurrency();
            return new Start(
                    key,
                    index,
                    combos.size(),
                    name,
                    spec,
                    labels,
                    timeoutMs,
                    continueOnError,
                    concurrency,
                    environment == null ? null : environment.get("name"));
        } catch (ExpressionException | IllegalArgumentException e) {
            return new Finish(key, index, combos.size(), name, JobState.FAILED, e.getMessage());
        }
    }

    /**
     * A job's {@code environment:} (a name, or {@code {name, url}}) evaluated with the job-level contexts GitHub
     * allows there; null without one. A name that evaluates to nothing means no environment, as on GitHub; a url
     * that needs what only the runner knows (steps, secrets) is left out.
     */
    static Map<String, String> environment(Object written, Templates.Scope scope) {
        if (written == null) return null;
        Object name = written instanceof Map<?, ?> m ? m.get("name") : written;
        Object url = written instanceof Map<?, ?> m ? m.get("url") : null;
        String n = name == null
                ? ""
                : Templates.render(String.valueOf(name), scope).strip();
        if (n.isEmpty()) return null;
        dev.runway.server.environments.EnvironmentStore.checkName(n);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("name", n);
        if (url != null
                && !RunnerSide.needed(String.valueOf(url))
                && !String.valueOf(url).contains("steps."))
            out.put("url", Templates.render(String.valueOf(url), scope));
        return out;
    }

    /**
     * {@link Templates#evaluateAll}, but strings that need what only the runner has ({@code runner.*}, {@code
     * github.workspace}: {@link RunnerSide}) are left as written; the runner evaluates them before it starts the
     * job's containers.
     */
    private static Object evaluateHere(Object o, Templates.Scope scope) {
        if (o instanceof String s) return RunnerSide.needed(s) ? s : Templates.toJava(Templates.value(s, scope));
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), evaluateHere(v, scope)));
            return out;
        }
        if (o instanceof List<?> l)
            return l.stream().map(i -> evaluateHere(i, scope)).toList();
        return o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return o == null || (o instanceof Map<?, ?> m && m.isEmpty()) ? null : (Map<String, Object>) o;
    }

    private static Value.Obj withJob(Value.Obj github, String jobId) {
        Value.Obj g = new Value.Obj();
        g.put("job", new Value.Str(jobId));
        github.entries().forEach(g::put);
        return g;
    }

    private static List<String> labels(Job job, Templates.Scope scope) {
        List<String> labels = new ArrayList<>();
        for (String l : job.runsOn()) {
            Value v = Templates.value(l, scope);
            if (v instanceof Value.Arr a) a.items().forEach(i -> labels.add(i.coerceString()));
            else labels.add(v.coerceString());
        }
        for (String l : labels) {
            if (l.isBlank() || l.contains(","))
                throw new IllegalArgumentException("runs-on: '" + l + "' is not a valid runner label");
        }
        return labels;
    }

    private static List<StepSpec> steps(Workflow wf, Job job) {
        Map<String, String> defaults = new LinkedHashMap<>(wf.defaultsRun());
        defaults.putAll(job.defaultsRun());
        List<StepSpec> out = new ArrayList<>();
        for (Step s : job.steps()) {
            String name = s.name();
            if (name == null) {
                name = s.run() != null
                        ? "Run " + s.run().strip().lines().findFirst().orElse("")
                        : "Run " + s.uses();
            }
            boolean run = s.run() != null;
            out.add(new StepSpec(
                    name,
                    s.run(),
                    s.env(),
                    s.workingDirectory() != null
                            ? s.workingDirectory()
                            : run ? defaults.get("working-directory") : null,
                    s.timeoutSeconds(),
                    s.shell() != null ? s.shell() : run ? defaults.get("shell") : null,
                    s.id(),
                    s.ifCondition(),
                    s.uses(),
                    s.with(),
                    s.continueOnError()));
        }
        return out;
    }

    private static String defaultName(Job job, Map<String, Object> matrix) {
        if (job.name() != null) return job.name();
        if (matrix.isEmpty()) return job.id();
        List<String> values = new ArrayList<>();
        for (Object v : matrix.values()) values.add(String.valueOf(v));
        return job.id() + " (" + String.join(", ", values) + ")";
    }

    private static String render(String s, Templates.Scope scope) {
        try {
            return Templates.render(s, scope);
        } catch (ExpressionException e) {
            return s;
        }
    }

    private static int maxParallel(Job job, int total) {
        Strategy st = job.strategy();
        return st == null || st.maxParallel() == null ? total : Math.max(1, st.maxParallel());
    }

    private static List<Map<String, Object>> combinations(RunRecord run, Job job, Templates.Scope scope) {
        Strategy st = job.strategy();
        List<Map<String, Object>> all = st == null
                ? List.of(Map.of())
                : st.combinations() != null
                        ? st.combinations()
                        : MatrixExpander.expandAtRunTime(st.matrixTemplate(), scope);
        RunOptions opts = RunOptions.parse(run.optionsJson());
        if (opts.matrix().isEmpty()) return all;
        List<Map<String, Object>> kept = all.stream().filter(opts::keeps).toList();
        if (kept.isEmpty())
            throw new IllegalArgumentException("no combination of job '" + job.id() + "' has " + opts.matrix());
        return kept;
    }

    private static Value.Obj need(List<JobRecord> legs) {
        Value.Obj o = new Value.Obj();
        o.put("result", new Value.Str(result(legs)));
        Map<String, Object> outputs = new LinkedHashMap<>();
        for (JobRecord j : legs) merge(outputs, outputs(j));
        o.put("outputs", Templates.fromJava(outputs));
        return o;
    }

    /**
     * Adds one leg's outputs: an empty value does not replace another leg's, so matrix legs that each set their own
     * output names (the pattern GitHub documents) are all seen, as on GitHub, where an empty output is not set.
     */
    private static void merge(Map<String, ? super String> into, Map<String, String> leg) {
        leg.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) into.put(k, v);
            else into.putIfAbsent(k, "");
        });
    }

    static Map<String, String> outputs(JobRecord j) {
        if (j.outputsJson() == null) return Map.of();
        try {
            return Json.lenient().readValue(j.outputsJson(), new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    /** The status a job's {@code if:} sees: failure if any job it depends on (transitively) failed. */
    private static Expressions.Status status(Pass p, Frame f, Job job) {
        Set<String> ancestors = new HashSet<>();
        List<String> todo = new ArrayList<>(job.needs());
        while (!todo.isEmpty()) {
            String n = todo.remove(todo.size() - 1);
            if (ancestors.add(n)) todo.addAll(f.wf().jobs().get(n).needs());
        }
        for (String a : ancestors) {
            if (result(records(p, f, a)).equals("failure")) return Expressions.Status.FAILURE;
        }
        for (String n : job.needs()) {
            if (!result(records(p, f, n)).equals("success")) return Expressions.Status.DEPENDENCY_SKIPPED;
        }
        return Expressions.Status.SUCCESS;
    }

    private static Complete complete(List<JobRecord> jobs) {
        for (JobRecord j : jobs) {
            if (failedHard(j))
                return new Complete(
                        JobState.FAILED,
                        "job '" + j.name() + "' " + j.state().wireName().replace('_', ' '));
        }
        for (JobRecord j : jobs) {
            if (j.state() == JobState.CANCELLED)
                return new Complete(JobState.CANCELLED, "job '" + j.name() + "' was cancelled");
        }
        return new Complete(JobState.SUCCEEDED, null);
    }
}
