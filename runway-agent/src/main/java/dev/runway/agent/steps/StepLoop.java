package dev.runway.agent.steps;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.actions.BuiltinActions;
import dev.runway.agent.actions.DockerActionRun;
import dev.runway.agent.actions.NodeRuntime;
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
import dev.runway.workflow.model.Step;
import dev.runway.workflow.parse.ActionParser;
import dev.runway.workflow.parse.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a list of steps in order: decides each step's {@code if:}, evaluates its expressions, runs it (a script, a
 * built-in action, or a local composite action, whose steps this loop runs in turn), records its outcome for the
 * {@code steps} context, and applies {@code continue-on-error}. One loop per job; composite actions recurse with
 * their own {@code inputs} and {@code steps} contexts.
 */
public final class StepLoop {
    /** Deepest nesting of composite actions (GitHub allows 10 too). */
    static final int MAX_DEPTH = 10;

    /** A step to run after the job's steps (saving a cache, an action's {@code post}), if {@code when} the job's result. */
    record Post(String name, java.util.function.Predicate<JobState> when, PostRun run) {}

    /** Runs a post step. */
    @FunctionalInterface
    interface PostRun {
        public StepRun run() throws IOException, InterruptedException;
    }

    /** How a list of steps went. */
    public record Result(JobState state, String reason, List<StepResult> steps) {}

    private final ProcessSupervisor supervisor;
    private final ActionContainers containers;
    private final StepHost host;
    private final BuiltinActions actions;
    private final JobSpec spec;
    private final Path workspace;
    private final WorkflowCommands out;
    private final StepReporter reporter;
    private final JobControl control;
    private final JobApi api;
    private final FileCommands files;
    private final List<Post> posts = new ArrayList<>();
    /** What each top-level step's {@code pre} saved, for the steps whose {@code pre} ran at the job's start. */
    private final Map<Integer, Map<String, String>> preStates = new java.util.HashMap<>();
    /** The index of the top-level step running now (null inside composite actions). */
    private Integer topStep;
    /** Running the job's {@code pre} steps: actions run their {@code pre} only. */
    private boolean preOnly;

    private final ActionSources sources;
    private int scripts;
    /** The environment the job's steps start from (the host's, under the shell executor). */
    private Map<String, String> topEnv = Map.of();

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
        this.sources = sources == null ? ActionSources.NONE : sources;
        this.supervisor = supervisor;
        this.containers = containers == null ? ActionContainers.NONE : containers;
        this.host = host;
        this.spec = spec;
        this.workspace = workspace;
        this.out = out;
        this.reporter = new StepReporter(out);
        this.control = control;
        this.api = api;
        this.files = files;
    }

    /**
     * Runs the post steps, last registered first, each if its condition holds for the job's result so far; a failing
     * one fails a job that had succeeded. Returns the job's result after them.
     */
    public Result runPosts(Result job) {
        JobState result = job.state();
        String reason = job.reason();
        List<StepResult> results = new ArrayList<>(job.steps());
        for (Post post : posts.reversed()) {
            if (control.stopped() != null || !post.when().test(result)) continue;
            String name = post.name();
            reporter.started(name);
            long start = System.nanoTime();
            StepRun run;
            try {
                run = post.run().run();
            } catch (IOException | RuntimeException e) {
                run = new StepRun(JobState.FAILED, null, e.getMessage() == null ? e.toString() : e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run = new StepRun(JobState.CANCELLED, null, "agent interrupted");
            }
            out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            results.add(new StepResult(name, run.state(), run.exitCode(), ms));
            reporter.phaseEnded(name, run, ms);
            if (run.state() != JobState.SUCCEEDED && result == JobState.SUCCEEDED) {
                result = run.state();
                reason = "step '" + name + "': " + StepReporter.exitOrDetail(run);
            }
        }
        return new Result(result, out.hide(reason), results);
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
            Map<String, String> envContext = new LinkedHashMap<>(env);
            envContext.putAll(files.addedEnv());
            ActionSources.Found found;
            try {
                if (!(actions.resolve(step, spec, envContext) instanceof BuiltinActions.Action a)) continue;
                found = a.found();
            } catch (IllegalArgumentException e) {
                continue; // reported when the step itself runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(JobState.CANCELLED, "agent interrupted", results);
            }
            String preIf = preCondition(found.dir());
            if (preIf == null) continue;
            try {
                if (!Templates.condition(preIf, expressions.scope(envContext, Expressions.Status.SUCCESS))) {
                    preStates.put(i, Map.of()); // skipped now: not run later either
                    continue;
                }
            } catch (RuntimeException e) {
                // e.g. a condition over inputs: the action evaluates it with them
            }
            String name = step.name() == null || step.name().isBlank() ? "step " + (i + 1) : out.hide(step.name());
            String preName = "Pre " + name;
            reporter.started(preName);
            long start = System.nanoTime();
            StepRun run;
            try {
                StepSpec resolved = expressions.resolve(step, envContext, Expressions.Status.SUCCESS);
                topStep = i;
                preOnly = true;
                run = action(
                                resolved,
                                found.dir(),
                                expressions,
                                env,
                                envContext,
                                Expressions.Status.SUCCESS,
                                reporter,
                                0,
                                name)
                        .run();
            } catch (RuntimeException e) {
                run = new StepRun(JobState.FAILED, null, e.getMessage());
            } finally {
                preOnly = false;
                topStep = null;
            }
            out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            results.add(new StepResult(preName, run.state(), run.exitCode(), ms));
            reporter.phaseEnded(preName, run, ms);
            if (run.state() != JobState.SUCCEEDED) {
                result = run.state();
                reason = "step '" + preName + "': " + StepReporter.exitOrDetail(run);
            }
        }
        return new Result(result, out.hide(reason), results);
    }

    /**
     * The {@code pre-if} of the action in {@code dir} ({@code always()} if it has none) when it has a {@code pre} (or
     * {@code pre-entrypoint}); null when it has none or cannot be read (the step reports that).
     */
    private static String preCondition(Path dir) {
        Path file = dir.resolve("action.yml");
        if (!Files.isRegularFile(file)) file = dir.resolve("action.yaml");
        try {
            ActionDefinition def =
                    ActionParser.parse(file.toString(), Files.readString(file)).action();
            if (def == null) return null;
            return switch (def.runs()) {
                case ActionDefinition.Node js -> js.pre() == null ? null : orAlways(js.preIf());
                case ActionDefinition.Docker d -> d.preEntrypoint() == null ? null : orAlways(d.preIf());
                case ActionDefinition.Composite c -> null;
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A {@code pre} whose {@code pre-if} did not hold: it does not run later either. */
    private Composite preSkipped() {
        preStates.putIfAbsent(topStep, Map.of());
        return new Composite(new StepRun(JobState.SUCCEEDED, null, null), Map.of());
    }

    /** The state the current top-level step's {@code pre} saved at the job's start, or null if it did not run then. */
    private Map<String, String> savedPreState() {
        return preOnly || topStep == null ? null : preStates.get(topStep);
    }

    /** A native step's post: runs in the runner. */
    private Post nativePost(String name, BuiltinActions.NativeStep step, boolean always) {
        return new Post("Post " + name, r -> always || r == JobState.SUCCEEDED, () -> {
            step.run(workspace, api, out);
            return new StepRun(JobState.SUCCEEDED, null, null);
        });
    }

    public Result run(
            List<StepSpec> steps,
            StepExpressions expressions,
            Map<String, String> env,
            StepReporter report,
            int depth) {
        String indent = report.indent();
        if (depth == 0) topEnv = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(env));
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
            topStep = depth == 0 ? i : topStep;
            String name = step.name() == null || step.name().isBlank() ? "step " + (i + 1) : step.name();
            Expressions.Status status = status(result);
            Map<String, String> envContext = new LinkedHashMap<>(env);
            envContext.putAll(files.addedEnv());
            boolean runIt;
            String problem = null;
            if (control.stopped() != null) {
                runIt = false; // a cancelled or timed-out job stops at once, always() steps included
            } else if (expressions == null) {
                runIt = result == JobState.SUCCEEDED;
            } else {
                try {
                    runIt = expressions.condition(step, envContext, status);
                    if (runIt) step = expressions.resolve(step, envContext, status);
                    name = step.name() == null || step.name().isBlank() ? name : out.hide(step.name());
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
            StepRun run;
            Map<String, String> stepOutputs = Map.of();
            BuiltinActions.NativeStep nativeStep = null;
            boolean composite =
                    problem == null && step.uses() != null && step.uses().startsWith("./");
            boolean image =
                    problem == null && step.uses() != null && step.uses().startsWith("docker://");
            ActionSources.Found remote = null;
            boolean interrupted = false;
            if (problem == null && step.uses() != null && !composite && !image) {
                try {
                    switch (actions.resolve(step, spec, envContext)) {
                        case BuiltinActions.Script s -> step = s.step();
                        case BuiltinActions.Native n -> {
                            nativeStep = n.step();
                            if (n.post() != null) posts.add(nativePost(name, n.post(), n.postAlways()));
                        }
                        case BuiltinActions.Action a -> {
                            remote = a.found();
                            out.line(indent + "[runway] " + step.uses() + " from " + remote.from());
                        }
                    }
                } catch (IllegalArgumentException e) {
                    problem = e.getMessage();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                }
            }
            if (interrupted) {
                run = new StepRun(JobState.CANCELLED, null, "agent interrupted");
            } else if (problem != null) {
                run = new StepRun(JobState.FAILED, null, problem);
            } else if (image) {
                Composite c = expressions == null
                        ? failed("uses: '" + step.uses() + "': docker:// steps run in workflow jobs only")
                        : dockerImage(step, expressions, env, envContext, status, indent, name);
                run = c.run();
                stepOutputs = c.outputs();
            } else if (composite || remote != null) {
                Composite c = action(
                        step,
                        remote == null ? null : remote.dir(),
                        expressions,
                        env,
                        envContext,
                        status,
                        report,
                        depth,
                        name);
                run = c.run();
                stepOutputs = c.outputs();
            } else if (nativeStep != null) {
                try {
                    stepOutputs = nativeStep.run(workspace, api, out, files);
                    run = new StepRun(JobState.SUCCEEDED, null, null);
                } catch (IOException | RuntimeException e) {
                    run = new StepRun(JobState.FAILED, null, e.getMessage() == null ? e.toString() : e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    run = new StepRun(JobState.CANCELLED, null, "agent interrupted");
                }
            } else {
                try {
                    FileCommands.StepFiles stepFiles = files.prepare(scripts);
                    run = ScriptStep.run(
                            supervisor,
                            host,
                            files.dir(),
                            scripts++,
                            step,
                            workspace,
                            files.environment(withActionId(env, step), stepFiles),
                            out);
                    stepOutputs = collect(stepFiles, name).outputs();
                } catch (IOException e) {
                    run = new StepRun(JobState.FAILED, null, e.getMessage());
                }
            }
            out.flush();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // later steps see every output (as on GitHub); what the control plane stores holds no secret
            Map<String, String> reported = stepOutputs.isEmpty()
                    ? stepOutputs
                    : out.withoutSecrets(stepOutputs, "step '" + name + "'", " (later steps of this job still see it)");
            results.add(new StepResult(name, run.state(), run.exitCode(), ms, reported));
            boolean continueOnError = false;
            if (run.state() == JobState.FAILED && expressions != null) {
                try {
                    continueOnError = expressions.continueOnError(step, envContext, status);
                } catch (RuntimeException e) {
                    out.line("[runway] continue-on-error: " + e.getMessage());
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
                    result = run.state();
                    reason = run.detail();
                }
            }
        }
        return new Result(result, out.hide(reason), results);
    }

    private record Composite(StepRun run, Map<String, String> outputs) {}

    /** What a step left in its files and through the deprecated {@code ::set-output::}/{@code ::save-state::}. */
    private FileCommands.Collected collect(FileCommands.StepFiles stepFiles, String name) throws IOException {
        out.applyUnsecureCommands(files);
        FileCommands.Collected c = files.collect(stepFiles);
        if (!c.summary().isBlank()) {
            out.line("[runway] summary of step '" + name + "':");
            out.line(c.summary().stripTrailing());
        }
        Map<String, String> outputs = new LinkedHashMap<>(out.takeOutputs());
        outputs.putAll(c.outputs());
        Map<String, String> state = new LinkedHashMap<>(out.takeState());
        state.putAll(c.state());
        return new FileCommands.Collected(outputs, c.summary(), state);
    }

    /**
     * An action: a local one ({@code uses: ./path}, {@code remoteDir} null) or one from the action sources (in
     * {@code remoteDir}); reads its action.yml, fills in its inputs and runs it as its kind says: composite steps in
     * the workspace with their own contexts, a JavaScript action with Node.js.
     */
    private Composite action(
            StepSpec step,
            Path remoteDir,
            StepExpressions parent,
            Map<String, String> env,
            Map<String, String> envContext,
            Expressions.Status status,
            StepReporter report,
            int depth,
            String name) {
        String indent = report.indent();
        String kind = remoteDir == null ? "local actions" : "actions";
        if (parent == null) return failed("uses: '" + step.uses() + "': " + kind + " run in workflow jobs only");
        if (depth >= MAX_DEPTH)
            return failed("uses: '" + step.uses() + "': composite actions nested more than " + MAX_DEPTH + " deep");
        Path dir = remoteDir;
        if (dir == null) {
            try {
                dir = InsideDirectories.workingDirectory(workspace, step.uses());
            } catch (IOException e) {
                return failed("uses: '" + step.uses() + "': " + e.getMessage());
            }
        }
        Path file = dir.resolve("action.yml");
        if (!Files.isRegularFile(file)) file = dir.resolve("action.yaml");
        if (!Files.isRegularFile(file))
            return failed("uses: '" + step.uses() + "': no action.yml or action.yaml in "
                    + (remoteDir == null
                            ? step.uses() + " (local actions are read from the workspace: check the repository"
                                    + " out first with actions/checkout)"
                            : dir.toString()));
        ActionParser.Result parsed;
        try {
            String shown =
                    remoteDir == null ? workspace.relativize(file).toString() : step.uses() + "/" + file.getFileName();
            parsed = ActionParser.parse(shown, Files.readString(file));
        } catch (IOException e) {
            return failed("uses: '" + step.uses() + "': cannot read " + file + ": " + e.getMessage());
        }
        if (parsed.action() == null) {
            return failed("uses: '" + step.uses() + "': "
                    + String.join(
                            "; ",
                            parsed.errors().stream().map(Diagnostic::toString).toList()));
        }
        ActionDefinition def = parsed.action();
        Templates.Scope outer = parent.scope(envContext, status);
        Map<String, Object> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, ActionDefinition.Input> in : def.inputs().entrySet()) {
            String v = step.with().get(in.getKey());
            if (v == null && in.getValue().defaultValue() != null) {
                v = Templates.render(in.getValue().defaultValue(), outer);
            }
            if (v == null && in.getValue().required())
                return failed("uses: '" + step.uses() + "': input '" + in.getKey() + "' is required");
            inputs.put(in.getKey(), v == null ? "" : v);
        }
        for (String k : step.with().keySet()) {
            if (!def.inputs().containsKey(k))
                out.line(indent + "Warning: unexpected input '" + k + "' for " + step.uses() + " (its inputs: "
                        + String.join(", ", def.inputs().keySet()) + ")");
        }
        return switch (def.runs()) {
            case ActionDefinition.Composite c -> {
                Map<String, String> innerEnv = new LinkedHashMap<>(env);
                innerEnv.putAll(step.env());
                innerEnv.put("GITHUB_ACTION_PATH", dir.toString());
                StepExpressions child = parent.child(inputs, dir.toString());
                Result r = run(steps(def), child, innerEnv, report.nested(), depth + 1);
                Map<String, String> envAfter = new LinkedHashMap<>(innerEnv);
                envAfter.putAll(files.addedEnv());
                Map<String, String> outputs = child.outputs(def.outputs(), envAfter, status(r.state()));
                yield new Composite(new StepRun(r.state(), null, r.reason()), outputs);
            }
            case ActionDefinition.Node js -> {
                Map<String, String> values = new LinkedHashMap<>();
                step.with().forEach(values::put); // GitHub passes undeclared inputs too
                inputs.forEach((k, v) -> values.put(k, String.valueOf(v)));
                yield javascript(step, dir, js, values, env, envContext, parent, status, indent, name);
            }
            case ActionDefinition.Docker d -> {
                Map<String, String> values = new LinkedHashMap<>();
                step.with().forEach(values::put);
                inputs.forEach((k, v) -> values.put(k, String.valueOf(v)));
                yield docker(step, dir, d, values, env, envContext, parent, status, indent, name, false);
            }
        };
    }

    /**
     * A JavaScript action: {@code pre} (if its {@code pre-if} holds), then {@code main}, each a Node.js process in the
     * workspace with the inputs as {@code INPUT_<NAME>} and what earlier runs saved as {@code STATE_<name>}; its
     * {@code post} is registered to run at the job's end if {@code post-if} (default {@code always()}) holds then.
     */
    private Composite javascript(
            StepSpec step,
            Path dir,
            ActionDefinition.Node js,
            Map<String, String> inputs,
            Map<String, String> env,
            Map<String, String> envContext,
            StepExpressions parent,
            Expressions.Status status,
            String indent,
            String name) {
        String node;
        if (host.hostPrograms()) {
            Map<String, String> lookup = new LinkedHashMap<>(env);
            lookup.putAll(files.addedEnv());
            try {
                NodeRuntime.Found found = NodeRuntime.find(sources.node(), js.major(), files.withPaths(lookup));
                node = found.executable().toString();
                out.line(indent + "[runway] " + js.using() + " action runs with Node.js " + found.version() + " ("
                        + found.executable() + ")"
                        + (found.major() < js.major() ? " (older than the action asks for)" : ""));
            } catch (IllegalArgumentException e) {
                return failed("uses: '" + step.uses() + "': " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Composite(new StepRun(JobState.CANCELLED, null, "agent interrupted"), Map.of());
            }
        } else {
            node = "node"; // the job container's
        }
        Map<String, String> actionEnv = actionEnvironment(step, dir, inputs);
        actionEnv.put("GITHUB_ACTION", actionId(step));
        Composite c = phases(
                parent,
                envContext,
                status,
                new Phases(js.pre(), js.preIf(), js.main(), js.post(), js.postIf()),
                step.timeoutSeconds(),
                name,
                (script, state, timeout, label) -> runJs(node, dir, script, env, actionEnv, state, timeout, label));
        StepRun main = c.run();
        if (main.exitCode() != null && main.exitCode() == 127 && !host.hostPrograms())
            return new Composite(
                    new StepRun(
                            JobState.FAILED,
                            null,
                            "the job's container has no 'node' on its PATH: a JavaScript action in a container"
                                    + " needs an image with Node.js"),
                    c.outputs());
        return c;
    }

    /** What a JavaScript or Docker action runs: its scripts (entrypoints) and their conditions. */
    private record Phases(String pre, String preIf, String main, String post, String postIf) {}

    /** Runs one script (entrypoint) of an action with the state saved so far; {@code label} names it in the log. */
    @FunctionalInterface
    private interface PhaseRunner {
        public ProcessRun run(String script, Map<String, String> state, Integer timeoutSeconds, String label);
    }

    /**
     * The life of a JavaScript or Docker action: {@code pre} (unless it ran at the job's start, or its {@code pre-if}
     * does not hold), {@code main}, and {@code post} registered for the job's end under its {@code post-if}; what
     * each saves in GITHUB_STATE reaches the later ones. While the job's pre steps run, only {@code pre} runs.
     * Conditions are evaluated with {@code conditions}.
     */
    private Composite phases(
            StepExpressions conditions,
            Map<String, String> envContext,
            Expressions.Status status,
            Phases p,
            Integer timeoutSeconds,
            String name,
            PhaseRunner runner) {
        Map<String, String> state = new LinkedHashMap<>();
        Map<String, String> saved = savedPreState();
        if (saved != null) {
            state.putAll(saved); // its pre ran at the job's start
        } else if (p.pre() != null && Templates.condition(orAlways(p.preIf()), conditions.scope(envContext, status))) {
            ProcessRun pre = runner.run(p.pre(), state, timeoutSeconds, name + " (pre)");
            state.putAll(pre.collected().state());
            if (preOnly) preStates.put(topStep, Map.copyOf(state));
            if (pre.run().state() != JobState.SUCCEEDED || preOnly) return new Composite(pre.run(), Map.of());
        }
        if (preOnly) return preSkipped();
        ProcessRun main = runner.run(p.main(), state, timeoutSeconds, name);
        state.putAll(main.collected().state());
        if (p.post() != null) {
            Map<String, String> postState = Map.copyOf(state);
            String postIf = orAlways(p.postIf());
            posts.add(new Post(
                    "Post " + name,
                    result -> {
                        Map<String, String> e = new LinkedHashMap<>(envContext);
                        e.putAll(files.addedEnv());
                        return Templates.condition(postIf, conditions.scope(e, status(result)));
                    },
                    () -> runner.run(p.post(), postState, null, "Post " + name).run()));
        }
        return new Composite(main.run(), main.collected().outputs());
    }

    private record ProcessRun(StepRun run, FileCommands.Collected collected) {}

    private ProcessRun runJs(
            String node,
            Path dir,
            String script,
            Map<String, String> env,
            Map<String, String> actionEnv,
            Map<String, String> state,
            Integer timeoutSeconds,
            String name) {
        FileCommands.Collected none = new FileCommands.Collected(Map.of(), "", Map.of());
        try {
            FileCommands.StepFiles stepFiles = files.prepare(scripts++);
            Map<String, String> penv = new LinkedHashMap<>(files.environment(env, stepFiles));
            Path home = host.home();
            if (home != null) penv.put("HOME", home.toString());
            penv.putAll(actionEnv);
            state.forEach((k, v) -> penv.put("STATE_" + k, v));
            StepRun run = supervisor.run(
                    host, List.of(node, dir.resolve(script).toString()), dir, workspace, penv, timeoutSeconds, out);
            out.flush();
            return new ProcessRun(run, collect(stepFiles, name));
        } catch (IOException e) {
            return new ProcessRun(new StepRun(JobState.FAILED, null, e.getMessage()), none);
        }
    }

    private final Map<String, Integer> actionIds = new java.util.HashMap<>();

    private Map<String, String> withActionId(Map<String, String> env, StepSpec step) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("GITHUB_ACTION", actionId(step));
        return e;
    }

    /**
     * {@code GITHUB_ACTION} as GitHub's runner sets it: the step's id, else {@code __run} for scripts and {@code
     * __owner_repo} for actions, with {@code _2}, {@code _3}... on repeats within the job.
     */
    private String actionId(StepSpec step) {
        if (step.id() != null && !step.id().isBlank()) return step.id();
        String base = step.uses() == null
                ? "__run"
                : "__"
                        + step.uses()
                                .replaceFirst("@.*$", "")
                                .replaceAll("[^A-Za-z0-9]", "_")
                                .replaceAll("^_+", "");
        int n = actionIds.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + n;
    }

    /**
     * A Docker action: its image (built from its Dockerfile or pulled, see {@link ActionContainers}), then {@code
     * pre-entrypoint} (if {@code pre-if} holds), the entrypoint, and {@code post-entrypoint} registered for the job's
     * end, each a container of that image with the workspace, step files, RUNNER_TEMP, HOME and the event payload
     * mounted where GitHub's runner mounts them ({@link DockerActionRun}), and {@code args} as its arguments
     * ({@code literalArgs}: already evaluated, as a step's {@code with.args} is).
     */
    private Composite docker(
            StepSpec step,
            Path dir,
            ActionDefinition.Docker d,
            Map<String, String> inputs,
            Map<String, String> env,
            Map<String, String> envContext,
            StepExpressions parent,
            Expressions.Status status,
            String indent,
            String name,
            boolean literalArgs) {
        String image;
        try {
            image = containers.image(dir, d.image(), line -> out.line(indent + line));
        } catch (ActionContainers.Unavailable e) {
            return failed("uses: '" + step.uses() + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Composite(new StepRun(JobState.CANCELLED, null, "agent interrupted"), Map.of());
        }
        StepExpressions conditions = parent.child(new LinkedHashMap<>(inputs), dir.toString());
        Templates.Scope scope = conditions.scope(envContext, status);
        List<String> args;
        Map<String, String> actionEnv = actionEnvironment(step, dir, inputs);
        actionEnv.remove("GITHUB_ACTION_PATH"); // the action's files are in its image, not mounted
        actionEnv.put("GITHUB_ACTION", actionId(step));
        try {
            args = d.args().isEmpty()
                    ? null
                    : d.args().stream()
                            .map(a -> literalArgs ? a : Templates.render(a, scope))
                            .filter(a -> !a.isEmpty()) // as GitHub's runner drops empty arguments
                            .toList();
            d.env().forEach((k, v) -> actionEnv.put(k, Templates.render(v, scope)));
        } catch (RuntimeException e) {
            return failed("uses: '" + step.uses() + "': " + e.getMessage());
        }
        DockerActionRun run = new DockerActionRun(image, args, workspace, files.dir(), host.containerNetwork());
        return phases(
                conditions,
                envContext,
                status,
                new Phases(d.preEntrypoint(), d.preIf(), d.entrypoint(), d.postEntrypoint(), d.postIf()),
                step.timeoutSeconds(),
                name,
                (entrypoint, state, timeout, label) ->
                        runContainer(run, entrypoint, env, actionEnv, state, timeout, label));
    }

    /**
     * A step that names an image instead of an action ({@code uses: docker://alpine:3.20}): the image runs as a
     * Docker action would, with {@code with.args} (split like a command line) as its arguments and {@code
     * with.entrypoint} replacing its entrypoint; the other {@code with} keys are its inputs.
     */
    private Composite dockerImage(
            StepSpec step,
            StepExpressions parent,
            Map<String, String> env,
            Map<String, String> envContext,
            Expressions.Status status,
            String indent,
            String name) {
        Map<String, String> inputs = new LinkedHashMap<>(step.with());
        String args = inputs.remove("args");
        String entrypoint = inputs.remove("entrypoint");
        List<String> argv;
        try {
            argv = args == null ? List.of() : splitArgs(args);
        } catch (IllegalArgumentException e) {
            return failed("uses: '" + step.uses() + "': with.args: " + e.getMessage());
        }
        ActionDefinition.Docker d = new ActionDefinition.Docker(
                step.uses(),
                argv,
                Map.of(),
                entrypoint == null || entrypoint.isBlank() ? null : entrypoint,
                null,
                null,
                null,
                null);
        return docker(step, workspace, d, inputs, env, envContext, parent, status, indent, name, true);
    }

    /** A command line split into words: whitespace separates them, single or double quotes group them. */
    public static List<String> splitArgs(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else w.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) words.add(w.toString());
                w.setLength(0);
                inWord = false;
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unclosed " + quote + " quote in '" + line + "'");
        if (inWord) words.add(w.toString());
        return words;
    }

    /** One container of a Docker action, with {@code entrypoint} (null: the image's). */
    private ProcessRun runContainer(
            DockerActionRun run,
            String entrypoint,
            Map<String, String> env,
            Map<String, String> actionEnv,
            Map<String, String> state,
            Integer timeoutSeconds,
            String name) {
        FileCommands.Collected none = new FileCommands.Collected(Map.of(), "", Map.of());
        try {
            int index = scripts++;
            FileCommands.StepFiles stepFiles = files.prepare(index);
            java.util.Set<String> workflowKeys =
                    new java.util.HashSet<>(spec.env().keySet());
            workflowKeys.addAll(files.addedEnv().keySet());
            Map<String, String> cenv =
                    DockerActionRun.environment(files.environment(env, stepFiles), workflowKeys, topEnv);
            cenv.putAll(actionEnv);
            state.forEach((k, v) -> cenv.put("STATE_" + k, v));
            ActionContainers.Request request =
                    run.request(entrypoint, cenv, stepFiles, workspace.getFileName() + "-step-" + index, jobKey());
            StepRun r = supervisor.supervise(() -> containers.start(request, out), () -> null, timeoutSeconds);
            out.flush();
            return new ProcessRun(r, collect(stepFiles, name));
        } catch (IOException e) {
            return new ProcessRun(new StepRun(JobState.FAILED, null, e.getMessage()), none);
        }
    }

    /** The job's {@code runway.job} label: what the container executor labels the job's containers with. */
    private String jobKey() {
        return workspace.getFileName().toString();
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
        return "INPUT_" + input.replace(' ', '_').toUpperCase(java.util.Locale.ROOT);
    }

    private static String orAlways(String condition) {
        return condition == null || condition.isBlank() ? "always()" : condition;
    }

    private static Composite failed(String message) {
        return new Composite(new StepRun(JobState.FAILED, null, message), Map.of());
    }

    private static List<StepSpec> steps(ActionDefinition def) {
        List<StepSpec> out = new ArrayList<>();
        for (Step s : def.steps()) {
            String name = s.name() != null
                    ? s.name()
                    : "Run "
                            + (s.run() != null
                                    ? s.run().strip().lines().findFirst().orElse("")
                                    : s.uses());
            out.add(new StepSpec(
                    name,
                    s.run(),
                    s.env(),
                    s.workingDirectory(),
                    s.timeoutMinutes() == null ? null : s.timeoutMinutes() * 60,
                    s.shell(),
                    s.id(),
                    s.ifCondition(),
                    s.uses(),
                    s.with(),
                    s.continueOnError()));
        }
        return out;
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
