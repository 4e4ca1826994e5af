package dev.runway.agent.steps;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.actions.BuiltinActions;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.InsideDirectories;
import dev.runway.agent.output.FileCommands;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepResult;
import dev.runway.protocol.StepSpec;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.model.ActionDefinition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a list of steps in order: decides each step's {@code if:}, evaluates its expressions, runs it (a script, or an
 * action of one of the {@link ActionKind}s), records its outcome for the {@code steps} context, and applies {@code
 * continue-on-error}. One loop per job; composite actions run their steps through it in turn, with their own {@code
 * inputs} and {@code steps} contexts.
 */
public final class StepLoop {
    /** Deepest nesting of composite actions (GitHub allows 10 too). */
    static final int MAX_DEPTH = 10;

    /** How a list of steps went. */
    public record Result(JobState state, String reason, List<StepResult> steps) {}

    private final JobSteps job;
    private final BuiltinActions actions;
    private final StepReporter reporter;
    private final ActionKind.Kinds kinds;
    private final DockerAction docker;
    /** What each top-level step's {@code pre} saved at the job's start (empty: skipped then, not run later either). */
    private final Map<Integer, Map<String, String>> preStates = new HashMap<>();

    public StepLoop(
            ProcessSupervisor supervisor,
            ActionContainers containers,
            StepHost host,
            JobSpec spec,
            Path workspace,
            WorkflowCommands out,
            JobControl control,
            JobApi api,
            FileCommands files,
            ActionSources sources) {
        this.actions = new BuiltinActions(sources);
        this.job = new JobSteps(supervisor, containers, sources, host, spec, workspace, out, control, api, files);
        this.reporter = new StepReporter(out);
        this.docker = new DockerAction(job);
        this.kinds = new ActionKind.Kinds(new CompositeAction(job, this), new NodeAction(job), docker);
    }

    /** The kind that runs an action.yml of {@code runs}. */
    ActionKind kindOf(ActionDefinition.Runs runs) {
        return kinds.of(runs);
    }

    /**
     * Runs the post steps, last registered first, each if its condition holds for the job's result so far; a failing
     * one fails a job that had succeeded. Returns the job's result after them.
     */
    public Result runPosts(Result done) {
        JobState result = done.state();
        String reason = done.reason();
        List<StepResult> results = new ArrayList<>(done.steps());
        for (JobSteps.Post post : job.postsToRun()) {
            if (job.control.stopped() != null || !post.when().test(result)) continue;
            String name = post.name();
            reporter.started(name);
            long start = System.nanoTime();
            StepRun run;
            try {
                run = post.run().run();
            } catch (IOException | RuntimeException e) {
                run = StepRun.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run = StepRun.interrupted();
            }
            job.out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            results.add(new StepResult(name, run.state(), run.exitCode(), ms));
            reporter.phaseEnded(name, run, ms);
            if (run.state() != JobState.SUCCEEDED && result == JobState.SUCCEEDED) {
                result = run.state();
                reason = "step '" + name + "': " + StepReporter.exitOrDetail(run);
            }
        }
        return new Result(result, job.out.hide(reason), results);
    }

    /**
     * GitHub runs the {@code pre} of every action of the job (JavaScript {@code pre}, Docker {@code pre-entrypoint})
     * at the job's start, in step order, each if its {@code pre-if} holds, before any step; so does this. Inputs are
     * evaluated then (no step has run yet). Local actions ({@code ./path}) have no {@code pre}: they are not checked
     * out yet. A failing {@code pre} fails the job, as a failing step would.
     */
    private Result runPres(List<StepSpec> steps, StepExpressions expressions, Map<String, String> env) {
        List<StepResult> results = new ArrayList<>();
        JobState result = JobState.SUCCEEDED;
        String reason = null;
        for (int i = 0; i < steps.size() && result == JobState.SUCCEEDED; i++) {
            StepSpec step = steps.get(i);
            if (step.uses() == null
                    || step.uses().startsWith("./")
                    || step.uses().startsWith("docker://")) continue;
            Map<String, String> envContext = job.envContext(env);
            ActionSources.Found found;
            try {
                if (!(actions.resolve(step, job.spec, envContext) instanceof BuiltinActions.Action a)) continue;
                found = a.found();
            } catch (IllegalArgumentException e) {
                continue; // reported when the step itself runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(JobState.CANCELLED, "agent interrupted", results);
            }
            String preIf = ActionYml.preCondition(found.dir());
            if (preIf == null) continue;
            try {
                if (!Templates.condition(preIf, expressions.scope(envContext, Expressions.Status.SUCCESS))) {
                    preStates.put(i, Map.of()); // skipped now: not run later either
                    continue;
                }
            } catch (RuntimeException e) {
                // e.g. a condition over inputs: the action evaluates it with them
            }
            String name = step.name() == null || step.name().isBlank() ? "step " + (i + 1) : job.out.hide(step.name());
            String preName = "Pre " + name;
            reporter.started(preName);
            long start = System.nanoTime();
            StepRun run;
            try {
                StepSpec resolved = expressions.resolve(step, envContext, Expressions.Status.SUCCESS);
                int index = i;
                Lifecycle atStart = new Lifecycle.JobStart(state -> preStates.put(index, state));
                run = action(
                                resolved,
                                found.dir(),
                                expressions,
                                env,
                                envContext,
                                Expressions.Status.SUCCESS,
                                reporter,
                                0,
                                name,
                                atStart)
                        .run();
            } catch (RuntimeException e) {
                run = StepRun.failed(e.getMessage());
            }
            job.out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            results.add(new StepResult(preName, run.state(), run.exitCode(), ms));
            reporter.phaseEnded(preName, run, ms);
            if (run.state() != JobState.SUCCEEDED) {
                result = run.state();
                reason = "step '" + preName + "': " + StepReporter.exitOrDetail(run);
            }
        }
        return new Result(result, job.out.hide(reason), results);
    }

    public Result run(
            List<StepSpec> steps,
            StepExpressions expressions,
            Map<String, String> env,
            StepReporter report,
            int depth) {
        if (depth == 0) job.topEnv(env);
        List<StepResult> results = new ArrayList<>();
        JobState result = JobState.SUCCEEDED;
        String reason = null;
        if (depth == 0 && expressions != null) {
            Result pre = runPres(steps, expressions, env);
            results.addAll(pre.steps());
            result = pre.state();
            reason = pre.reason();
        }
        for (int i = 0; i < steps.size(); i++) {
            StepSpec step = steps.get(i);
            // a top-level step whose pre ran at the job's start runs its main now; any other runs all its phases
            Lifecycle life =
                    depth == 0 && preStates.containsKey(i) ? new Lifecycle.AfterPre(preStates.get(i)) : Lifecycle.WHOLE;
            String name = step.name() == null || step.name().isBlank() ? "step " + (i + 1) : step.name();
            Expressions.Status status = status(result);
            Map<String, String> envContext = job.envContext(env);
            boolean runIt;
            String problem = null;
            if (job.control.stopped() != null) {
                runIt = false; // a cancelled or timed-out job stops at once, always() steps included
            } else if (expressions == null) {
                runIt = result == JobState.SUCCEEDED;
            } else {
                try {
                    runIt = expressions.condition(step, envContext, status);
                    if (runIt) step = expressions.resolve(step, envContext, status);
                    name = step.name() == null || step.name().isBlank() ? name : job.out.hide(step.name());
                } catch (RuntimeException e) {
                    runIt = true;
                    problem = e.getMessage();
                }
            }
            if (!runIt) {
                results.add(new StepResult(name, null, null, null));
                if (expressions != null) expressions.record(step.id(), "skipped", "skipped", Map.of());
                continue;
            }
            report.started(name);
            long start = System.nanoTime();
            ActionKind.Result done = problem != null
                    ? ActionKind.Result.failed(problem)
                    : step(step, expressions, env, envContext, status, report, depth, name, life);
            StepRun run = done.run();
            Map<String, String> stepOutputs = done.outputs();
            job.out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // later steps see every output (as on GitHub); what the control plane stores holds no secret
            Map<String, String> reported = stepOutputs.isEmpty()
                    ? stepOutputs
                    : job.out.withoutSecrets(
                            stepOutputs, "step '" + name + "'", " (later steps of this job still see it)");
            results.add(new StepResult(name, run.state(), run.exitCode(), ms, reported));
            boolean continueOnError = false;
            // a step stopped at its own timeout-minutes failed as far as continue-on-error goes, as on GitHub
            boolean ownTimeout = run.state() == JobState.TIMED_OUT
                    && run.detail() != null
                    && run.detail().startsWith(ProcessSupervisor.STEP_TIMED_OUT);
            if ((run.state() == JobState.FAILED || ownTimeout) && expressions != null) {
                try {
                    continueOnError = expressions.continueOnError(step, envContext, status);
                } catch (RuntimeException e) {
                    job.out.line("[runway] continue-on-error: " + e.getMessage());
                }
            }
            if (expressions != null) {
                String outcome = outcome(run.state());
                expressions.record(step.id(), outcome, continueOnError ? "success" : outcome, stepOutputs);
            }
            report.ended(name, run, ms, continueOnError);
            switch (run.state()) {
                case SUCCEEDED -> {}
                case FAILED -> {
                    if (!continueOnError && result == JobState.SUCCEEDED) {
                        result = JobState.FAILED;
                        reason = StepReporter.failure(name, run);
                    }
                }
                default -> {
                    if (!continueOnError) {
                        result = run.state();
                        reason = run.detail();
                    }
                }
            }
        }
        return new Result(result, job.out.hide(reason), results);
    }

    /**
     * Runs one step whose {@code if:} held: a {@code docker://} image, a local ({@code ./path}) action, a built-in
     * action, an action from the action sources, or a script.
     */
    private ActionKind.Result step(
            StepSpec step,
            StepExpressions expressions,
            Map<String, String> env,
            Map<String, String> envContext,
            Expressions.Status status,
            StepReporter report,
            int depth,
            String name,
            Lifecycle life) {
        if (step.uses() != null && step.uses().startsWith("docker://")) {
            if (expressions == null)
                return ActionKind.Result.failed(
                        "uses: '" + step.uses() + "': docker:// steps run in workflow jobs only");
            return docker.image(new ActionKind.Call(
                    step,
                    job.workspace,
                    Map.of(),
                    Map.of(),
                    env,
                    envContext,
                    expressions,
                    status,
                    report,
                    depth,
                    name,
                    life));
        }
        if (step.uses() != null && step.uses().startsWith("./"))
            return action(step, null, expressions, env, envContext, status, report, depth, name, life);
        if (step.uses() != null) {
            try {
                switch (actions.resolve(step, job.spec, envContext)) {
                    case BuiltinActions.Script s -> step = s.step();
                    case BuiltinActions.Native n -> {
                        BuiltinAction builtin = new BuiltinAction(job, n);
                        builtin.registerPost(name);
                        return builtin.run(null, null);
                    }
                    case BuiltinActions.Action a -> {
                        job.out.line(report.indent() + "[runway] " + step.uses() + " from "
                                + a.found().from());
                        return action(
                                step, a.found().dir(), expressions, env, envContext, status, report, depth, name, life);
                    }
                }
            } catch (IllegalArgumentException e) {
                return ActionKind.Result.failed(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new ActionKind.Result(StepRun.interrupted(), Map.of());
            }
        }
        try {
            int index = job.nextScript();
            FileCommands.StepFiles stepFiles = job.files.prepare(index);
            StepRun run = ScriptStep.run(
                    job.supervisor,
                    job.host,
                    job.files.dir(),
                    index,
                    step,
                    job.workspace,
                    job.files.environment(job.withActionId(env, step), stepFiles),
                    job.out,
                    job.spec.workflow());
            return new ActionKind.Result(run, job.collect(stepFiles, name).outputs());
        } catch (IOException e) {
            return ActionKind.Result.failed(e.getMessage());
        }
    }

    /**
     * An action: a local one ({@code uses: ./path}, {@code remoteDir} null) or one from the action sources (in
     * {@code remoteDir}); reads its action.yml, fills in its inputs and runs it as its kind ({@code runs.using})
     * says.
     */
    private ActionKind.Result action(
            StepSpec step,
            Path remoteDir,
            StepExpressions parent,
            Map<String, String> env,
            Map<String, String> envContext,
            Expressions.Status status,
            StepReporter report,
            int depth,
            String name,
            Lifecycle life) {
        String kind = remoteDir == null ? "local actions" : "actions";
        if (parent == null) return failed(step, kind + " run in workflow jobs only");
        if (depth >= MAX_DEPTH) return failed(step, "composite actions nested more than " + MAX_DEPTH + " deep");
        Path dir = remoteDir;
        if (dir == null) {
            try {
                dir = InsideDirectories.workingDirectory(job.workspace, step.uses());
            } catch (IOException e) {
                return failed(step, e.getMessage());
            }
        }
        ActionDefinition def;
        Map<String, String> declared;
        try {
            def = ActionYml.read(step, dir, remoteDir == null, job.workspace);
            declared = ActionYml.declaredInputs(def, step, parent.scope(envContext, status));
        } catch (ActionYml.Unusable e) {
            return failed(step, e.getMessage());
        }
        for (String k : step.with().keySet()) {
            if (!def.inputs().containsKey(k))
                job.out.line(report.indent() + "Warning: unexpected input '" + k + "' for " + step.uses()
                        + " (its inputs: " + String.join(", ", def.inputs().keySet()) + ")");
        }
        Map<String, String> inputs = new LinkedHashMap<>(step.with()); // GitHub passes undeclared inputs too
        inputs.putAll(declared);
        ActionKind.Call call = new ActionKind.Call(
                step, dir, declared, inputs, env, envContext, parent, status, report, depth, name, life);
        return kinds.of(def.runs()).run(call, def);
    }

    /** What GitHub's runner gives an action's process besides the job's environment: its inputs and identity. */
    static Map<String, String> actionEnvironment(StepSpec step, Path dir, Map<String, String> inputs) {
        Map<String, String> e = new LinkedHashMap<>(step.env());
        inputs.forEach((k, v) -> e.put(inputVariable(k), v));
        e.put("GITHUB_ACTION_PATH", dir.toString());
        if (step.uses() != null && !step.uses().startsWith("./") && !step.uses().startsWith("docker://")) {
            ActionSources.Ref ref = ActionSources.parse(step.uses());
            e.put("GITHUB_ACTION_REPOSITORY", ref.repository());
            e.put("GITHUB_ACTION_REF", ref.ref());
        }
        return e;
    }

    /** {@code @actions/core}'s name for an input: {@code INPUT_} and the name upper-cased, spaces as {@code _}. */
    public static String inputVariable(String input) {
        return "INPUT_" + input.replace(' ', '_').toUpperCase(Locale.ROOT);
    }

    private static ActionKind.Result failed(StepSpec step, String message) {
        return ActionKind.Result.failed("uses: '" + step.uses() + "': " + message);
    }

    public static Expressions.Status status(JobState result) {
        return switch (result) {
            case SUCCEEDED -> Expressions.Status.SUCCESS;
            case CANCELLED -> Expressions.Status.CANCELLED;
            default -> Expressions.Status.FAILURE;
        };
    }

    private static String outcome(JobState s) {
        return switch (s) {
            case SUCCEEDED -> "success";
            case CANCELLED -> "cancelled";
            default -> "failure";
        };
    }
}
