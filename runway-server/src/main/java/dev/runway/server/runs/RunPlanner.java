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
import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Step;
import dev.runway.workflow.model.Strategy;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.parse.MatrixExpander;
import dev.runway.workflow.parse.WorkflowParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what a run does next, from its workflow and the jobs it has so far: which workflow jobs became ready
 * (every job they need is done), whether their {@code if:} holds, how their matrix expands, which matrix legs to
 * start (up to {@code max-parallel}), which to cancel ({@code fail-fast}), and when the run is over with which
 * result. Pure: the scheduler applies the actions in one transaction, so planning twice is harmless.
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
            Concurrency concurrency)
            implements Action {}

    /** Record a workflow job that will not run (skipped, or failed before it could start) as a finished job. */
    public record Finish(String jobKey, int matrixIndex, int matrixTotal, String name, JobState state, String reason)
            implements Action {}

    /** Cancel the legs of a matrix job still queued or running (fail-fast). */
    public record CancelLegs(String jobKey, String reason) implements Action {}

    /** The run is over. */
    public record Complete(JobState state, String reason) implements Action {}

    /** Server settings the planner needs. */
    public record Defaults(long jobTimeoutMs, int maxAttempts) {}

    private final Defaults defaults;

    public RunPlanner(Defaults defaults) {
        this.defaults = defaults;
    }

    public List<Action> plan(RunRecord run, Workflow wf, List<JobRecord> jobs) {
        Map<String, List<JobRecord>> legs = new LinkedHashMap<>();
        for (JobRecord j : jobs)
            legs.computeIfAbsent(j.jobKey(), k -> new ArrayList<>()).add(j);
        legs.values().forEach(l -> l.sort(Comparator.comparing(j -> j.matrixIndex() == null ? 0 : j.matrixIndex())));
        Value.Obj github = RunContexts.github(run, wf);
        List<Action> actions = new ArrayList<>();
        boolean allDone = true;
        Set<String> selected = RunOptions.parse(run.optionsJson()).selected(wf);
        for (String key : selected) {
            Job job = wf.jobs().get(key);
            List<JobRecord> mine = legs.getOrDefault(key, List.of());
            if (mine.isEmpty()) {
                allDone = false;
                if (!job.needs().stream().allMatch(n -> done(wf, n, legs.getOrDefault(n, List.of())))) continue;
                actions.addAll(begin(run, wf, job, legs, github, selected));
            } else if (!done(wf, key, mine)) {
                allDone = false;
                actions.addAll(more(run, wf, job, mine, legs, github));
            }
        }
        if (allDone) actions.add(complete(selected, legs));
        return actions;
    }

    /** The jobs a workflow job has or will have: its matrix legs. */
    private static long total(List<JobRecord> legs) {
        return legs.isEmpty() || legs.get(0).matrixTotal() == null
                ? legs.size()
                : legs.get(0).matrixTotal();
    }

    /** A workflow job is done when every leg it will have exists and finished. */
    static boolean done(Workflow wf, String key, List<JobRecord> legs) {
        if (legs.isEmpty() || !legs.stream().allMatch(j -> j.state().isTerminal())) return false;
        int total = legs.get(0).matrixTotal() == null ? 1 : legs.get(0).matrixTotal();
        return legs.size() >= total || stoppedByFailFast(wf.jobs().get(key), legs);
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

    /** Why a job that calls a reusable workflow fails (the planner does not expand calls yet). */
    static String notRunYet(String uses) {
        return "calling a reusable workflow ('" + uses + "') is not run by Runway yet: the call is checked, this job"
                + " fails and the jobs that need it are skipped; the workflow's other jobs run";
    }

    private List<Action> begin(
            RunRecord run,
            Workflow wf,
            Job job,
            Map<String, List<JobRecord>> legs,
            Value.Obj github,
            Set<String> selected) {
        String plainName = job.name() == null ? job.id() : job.name();
        if (run.cancelRequested())
            return List.of(new Finish(job.id(), 0, 1, plainName, JobState.CANCELLED, "run cancelled"));
        Value.Obj needs = new Value.Obj();
        for (String n : job.needs()) needs.put(n, need(legs.getOrDefault(n, List.of())));
        Expressions.Status status = status(wf, job, legs);
        Templates.Scope scope = new Templates.Scope(RunContexts.jobLevel(run, github, needs, null, null));
        try {
            if (!Templates.condition(job.ifCondition(), scope.withStatus(status))) {
                String why = status == Expressions.Status.SUCCESS
                        ? "its if: condition was false"
                        : "a job it needs did not succeed";
                return List.of(new Finish(job.id(), 0, 1, render(plainName, scope), JobState.SKIPPED, why));
            }
        } catch (ExpressionException e) {
            return List.of(new Finish(job.id(), 0, 1, plainName, JobState.FAILED, "if: " + e.getMessage()));
        }
        if (job.call() != null) // parsed and checked, not run yet: this job fails, the jobs that need it are skipped
        return List.of(new Finish(
                job.id(), 0, 1, plainName, JobState.FAILED, notRunYet(job.call().uses())));
        List<Map<String, Object>> combos;
        try {
            combos = combinations(run, job, scope);
        } catch (IllegalArgumentException | ExpressionException e) {
            return List.of(
                    new Finish(job.id(), 0, 1, plainName, JobState.FAILED, "strategy.matrix: " + e.getMessage()));
        }
        // the other jobs' legs: those they have, or will have (a matrix known only at run time counts one)
        long planned = selected.stream()
                .filter(k -> !k.equals(job.id()))
                .mapToLong(k -> legs.containsKey(k)
                        ? total(legs.get(k))
                        : WorkflowParser.legs(wf.jobs().get(k)))
                .sum();
        if (planned + combos.size() > Limits.MAX_JOBS_PER_RUN)
            return List.of(new Finish(
                    job.id(),
                    0,
                    1,
                    plainName,
                    JobState.FAILED,
                    "strategy.matrix: " + combos.size() + " more jobs would make the run " + (planned + combos.size())
                            + " jobs; at most " + Limits.MAX_JOBS_PER_RUN + " jobs may run in one workflow run"));
        List<Action> out = new ArrayList<>();
        int limit = maxParallel(job, combos.size());
        for (int i = 0; i < Math.min(limit, combos.size()); i++) out.add(leg(run, wf, job, combos, i, needs, github));
        return out;
    }

    private List<Action> more(
            RunRecord run,
            Workflow wf,
            Job job,
            List<JobRecord> mine,
            Map<String, List<JobRecord>> legs,
            Value.Obj github) {
        List<Action> out = new ArrayList<>();
        boolean running = mine.stream().anyMatch(j -> !j.state().isTerminal());
        if (stoppedByFailFast(job, mine) || run.cancelRequested()) {
            if (running) {
                String why = run.cancelRequested() ? "run cancelled" : "fail-fast: another leg of the matrix failed";
                out.add(new CancelLegs(job.id(), why));
            }
            return out;
        }
        int total = mine.get(0).matrixTotal() == null ? 1 : mine.get(0).matrixTotal();
        if (mine.size() >= total) return out;
        long active = mine.stream().filter(j -> !j.state().isTerminal()).count();
        int free = (int) (maxParallel(job, total) - active);
        if (free <= 0) return out;
        Value.Obj needs = new Value.Obj();
        for (String n : job.needs()) needs.put(n, need(legs.getOrDefault(n, List.of())));
        Templates.Scope scope = new Templates.Scope(RunContexts.jobLevel(run, github, needs, null, null));
        List<Map<String, Object>> combos;
        try {
            combos = combinations(run, job, scope); // the same inputs give the same expansion
        } catch (IllegalArgumentException | ExpressionException e) {
            return out; // expanded fine when the job began; nothing new can be started
        }
        Set<Integer> started = new HashSet<>();
        for (JobRecord j : mine) started.add(j.matrixIndex() == null ? 0 : j.matrixIndex());
        for (int i = 0; i < combos.size() && free > 0; i++) {
            if (started.contains(i)) continue;
            out.add(leg(run, wf, job, combos, i, needs, github));
            free--;
        }
        return out;
    }

    private Action leg(
            RunRecord run,
            Workflow wf,
            Job job,
            List<Map<String, Object>> combos,
            int index,
            Value.Obj needs,
            Value.Obj github) {
        Map<String, Object> matrix = combos.get(index);
        Map<String, Object> strategy = new LinkedHashMap<>();
        strategy.put("fail-fast", job.strategy() == null || job.strategy().failFast());
        strategy.put("job-index", index);
        strategy.put("job-total", combos.size());
        strategy.put("max-parallel", maxParallel(job, combos.size()));
        Value.Obj contexts = RunContexts.jobLevel(run, github, needs, matrix, strategy);
        Templates.Scope scope = new Templates.Scope(contexts);
        String name = defaultName(job, matrix);
        try {
            name = render(name, scope);
            // workflow env, then job env (which sees the workflow's as env.*); values that need secrets.*, runner.*
            // or github.workspace are left for the runner, which alone has them (contexts.runway.secretEnv)
            Map<String, String> env = new LinkedHashMap<>();
            Map<String, String> secretWorkflowEnv = new LinkedHashMap<>();
            Map<String, String> secretJobEnv = new LinkedHashMap<>();
            for (var e : wf.env().entrySet()) {
                if (RunnerSide.needed(e.getValue())) secretWorkflowEnv.put(e.getKey(), e.getValue());
                else env.put(e.getKey(), Templates.render(e.getValue(), scope));
            }
            Value.Obj withEnv = RunContexts.jobLevel(run, github, needs, matrix, strategy);
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
            long timeoutMs = job.timeoutMinutes() == null ? defaults.jobTimeoutMs() : job.timeoutMinutes() * 60_000L;
            boolean continueOnError = job.continueOnError() != null
                    && Templates.value(job.continueOnError(), scope).truthy();
            Map<String, Object> ctx = new LinkedHashMap<>();
            ctx.put("github", Templates.toJava(withJob(github, job.id())));
            ctx.put("inputs", Templates.toJava(contexts.get("inputs")));
            ctx.put("vars", Map.of());
            ctx.put("needs", Templates.toJava(needs));
            ctx.put("matrix", matrix);
            ctx.put("strategy", strategy);
            Map<String, Object> runway = new LinkedHashMap<>(); // not a user context
            if (RunOptions.parse(run.optionsJson()).workingTree() && run.repo() != null)
                runway.put("workingTree", run.repo()); // for actions/checkout
            if (!secretWorkflowEnv.isEmpty() || !secretJobEnv.isEmpty())
                runway.put("secretEnv", Map.of("workflow", secretWorkflowEnv, "job", secretJobEnv));
            if (!runway.isEmpty()) ctx.put("runway", runway);
            JobSpec spec = new JobSpec(
                    name,
                    labels,
                    env,
                    steps(wf, job),
                    (int) (timeoutMs / 1000),
                    defaults.maxAttempts(),
                    ctx,
                    job.outputs(),
                    Templates.evaluateAll(job.container(), scope),
                    castMap(Templates.evaluateAll(job.services(), scope)));
            Concurrency concurrency = Concurrency.of(job.concurrency(), RunScheduler.scope(run), jobScope);
            return new Start(
                    job.id(), index, combos.size(), name, spec, labels, timeoutMs, continueOnError, concurrency);
        } catch (ExpressionException | IllegalArgumentException e) {
            return new Finish(job.id(), index, combos.size(), name, JobState.FAILED, e.getMessage());
        }
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
                    s.timeoutMinutes() == null ? null : s.timeoutMinutes() * 60,
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
        for (JobRecord j : legs) outputs.putAll(outputs(j));
        o.put("outputs", Templates.fromJava(outputs));
        return o;
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
    private static Expressions.Status status(Workflow wf, Job job, Map<String, List<JobRecord>> legs) {
        Set<String> ancestors = new HashSet<>();
        List<String> todo = new ArrayList<>(job.needs());
        while (!todo.isEmpty()) {
            String n = todo.remove(todo.size() - 1);
            if (ancestors.add(n)) todo.addAll(wf.jobs().get(n).needs());
        }
        for (String a : ancestors) {
            if (result(legs.getOrDefault(a, List.of())).equals("failure")) return Expressions.Status.FAILURE;
        }
        for (String n : job.needs()) {
            if (!result(legs.getOrDefault(n, List.of())).equals("success"))
                return Expressions.Status.DEPENDENCY_SKIPPED;
        }
        return Expressions.Status.SUCCESS;
    }

    private static Complete complete(Set<String> selected, Map<String, List<JobRecord>> legs) {
        for (String key : selected) {
            for (JobRecord j : legs.getOrDefault(key, List.of())) {
                if (failedHard(j))
                    return new Complete(
                            JobState.FAILED,
                            "job '" + j.name() + "' " + j.state().wireName().replace('_', ' '));
            }
        }
        for (List<JobRecord> l : legs.values()) {
            for (JobRecord j : l) {
                if (j.state() == JobState.CANCELLED)
                    return new Complete(JobState.CANCELLED, "job '" + j.name() + "' was cancelled");
            }
        }
        return new Complete(JobState.SUCCEEDED, null);
    }
}
