package dev.runway.agent.steps;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.Isolation;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.output.FileCommands;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.ResourceUsage;
import dev.runway.protocol.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The agent's only executor: runs a job's steps in order (through a {@link StepLoop}), each
 * a script with {@code bash --noprofile --norc -eo pipefail} (or {@code sh -e}, python, a custom shell) or an action,
 * in the job's workspace, in the place its {@link StepHost.Factory} opens for the job: the host, a bubblewrap
 * sandbox, or a container (the job's {@link Isolation}). The first failing step ends the job; later steps are
 * skipped.
 */
public final class JobExecutor implements Executor {
    private final StepHost.Factory hosts;
    private final ActionSources sources;
    private final ActionContainers containers;
    private final JobHooks hooks;

    public JobExecutor(StepTracker tracker) {
        this(new ProcessHosts(tracker, Sandbox.HOST));
    }

    /** Where a job's step files (GITHUB_ENV...) live: next to its workspace, never inside it. */
    static Path filesDirOf(Path workspace) {
        return workspace.resolveSibling("." + workspace.getFileName() + "-files");
    }

    /** Steps run inside {@code sandbox} (the sandbox executor) instead of directly on the host. */
    public JobExecutor(StepTracker tracker, Sandbox sandbox) {
        this(new ProcessHosts(tracker, sandbox));
    }

    public JobExecutor(StepHost.Factory hosts) {
        this(hosts, ActionSources.NONE);
    }

    /** Steps that use actions other than the built-in ones find them in {@code sources}. */
    public JobExecutor(StepHost.Factory hosts, ActionSources sources) {
        this(hosts, sources, ActionContainers.NONE);
    }

    /** Docker actions ({@code runs.using: docker}) run in {@code containers}. */
    public JobExecutor(StepHost.Factory hosts, ActionSources sources, ActionContainers containers) {
        this(hosts, sources, containers, JobHooks.NONE);
    }

    private JobExecutor(StepHost.Factory hosts, ActionSources sources, ActionContainers containers, JobHooks hooks) {
        this.hosts = hosts;
        this.sources = sources == null ? ActionSources.NONE : sources;
        this.containers = containers == null ? ActionContainers.NONE : containers;
        this.hooks = hooks == null ? JobHooks.NONE : hooks;
    }

    /** This executor with the agent's job hooks around every job ({@code runway agent --hooks-dir}). */
    public JobExecutor withHooks(JobHooks hooks) {
        return new JobExecutor(this.hosts, this.sources, this.containers, hooks);
    }

    @Override
    public int reapLeftovers() {
        return hosts.reapLeftovers();
    }

    @Override
    public Outcome run(
            JobSpec spec,
            Path workspace,
            Map<String, String> env,
            Output log,
            JobControl control,
            JobApi api,
            Map<String, String> secrets) {
        WorkflowCommands out = new WorkflowCommands(log);
        out.workspace(workspace);
        secrets.values().forEach(out::mask);
        if (hooks.none()) return runSteps(spec, workspace, env, out, control, api, secrets);
        return withHooks(spec, workspace, env, out, control, api, secrets);
    }

    /**
     * The job between the agent's hooks ({@link JobHooks}): {@code environment} (what it prints as {@code KEY=VALUE}
     * goes into the job's environment) and {@code pre-command} before the steps, which do not run if either fails;
     * {@code post-command} after them (with {@code RUNWAY_JOB_STATUS}), {@code pre-exit} last, whatever happened. A
     * failing hook fails a job that would have succeeded.
     */
    private Outcome withHooks(
            JobSpec spec,
            Path workspace,
            Map<String, String> env,
            WorkflowCommands out,
            JobControl control,
            JobApi api,
            Map<String, String> secrets) {
        JobHooks.Job job = hooks.forJob(spec, workspace, env, out, control);
        Outcome o = null;
        try {
            JobHooks.Ran pre = job.run(JobHooks.ENVIRONMENT, Map.of());
            Map<String, String> jobEnv = env;
            if (pre.ok() && !pre.exported().isEmpty()) {
                jobEnv = new HashMap<>(env);
                jobEnv.putAll(pre.exported());
            }
            if (pre.ok()) pre = job.run(JobHooks.PRE_COMMAND, Map.of());
            if (!pre.ok()) {
                JobControl.Stop stop = control.stopped(); // a cancel that stopped the hook: the job was cancelled
                o = new Outcome(stop == null ? JobState.FAILED : stop.result(), pre.failure(), List.of());
            } else {
                o = runSteps(spec, workspace, jobEnv, out, control, api, secrets);
                o = failedBy(o, job.run(JobHooks.POST_COMMAND, Map.of("RUNWAY_JOB_STATUS", status(o))), out);
            }
        } finally {
            JobHooks.Ran exit =
                    job.run(JobHooks.PRE_EXIT, o == null ? Map.of() : Map.of("RUNWAY_JOB_STATUS", status(o)));
            if (o != null) o = failedBy(o, exit, out);
            out.step(null);
        }
        return o;
    }

    /** {@code success} or {@code failure}: how the job stands, for a hook's {@code RUNWAY_JOB_STATUS}. */
    private static String status(Outcome o) {
        return o.result() == JobState.SUCCEEDED ? "success" : "failure";
    }

    /** {@code o} failed by a hook that failed (a job that failed already keeps its reason), with all annotations. */
    private static Outcome failedBy(Outcome o, JobHooks.Ran hook, WorkflowCommands out) {
        boolean fails = !hook.ok() && o.result() == JobState.SUCCEEDED;
        return new Outcome(
                fails ? JobState.FAILED : o.result(),
                fails ? hook.failure() : o.reason(),
                o.steps(),
                o.outputs(),
                out.annotations(),
                o.usage(),
                out.masked());
    }

    private Outcome runSteps(
            JobSpec spec,
            Path workspace,
            Map<String, String> env,
            WorkflowCommands out,
            JobControl control,
            JobApi api,
            Map<String, String> secrets) {
        Map<String, String> runnerEnv = env; // before the env: the runner evaluates (SecretEnv) is added
        long jobDeadline = spec.timeoutSeconds() == null
                ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.timeoutSeconds());
        List<StepResult> results = new ArrayList<>();
        JobState result = JobState.SUCCEEDED;
        String reason = null;
        Path filesDir = filesDirOf(workspace);
        FileCommands files;
        try {
            files = new FileCommands(filesDir);
        } catch (IOException e) {
            return new Outcome(JobState.FAILED, "runner could not create the step files: " + e.getMessage(), List.of());
        }
        StepExpressions expressions = null;
        if (spec.workflow()) {
            expressions = new StepExpressions(spec, workspace, runnerContext(env, files), secrets);
            StepExpressions scope = expressions;
            env = new HashMap<>(env);
            try { // what the control plane left for the runner: env that needs secrets or the runner's paths
                env.putAll(SecretEnv.evaluate(
                        spec,
                        spec.env(),
                        known -> scope.scope(known, dev.runway.workflow.expr.Expressions.Status.SUCCESS)));
            } catch (IllegalArgumentException e) { // an expression error: it may quote a secret (format's text)
                String why = out.hide(e.getMessage());
                new StepReporter(out).failed(why);
                deleteQuietly(filesDir);
                return new Outcome(JobState.FAILED, why, List.of());
            }
        }
        if (expressions != null && (spec.container() != null || !spec.services().isEmpty())) {
            try { // what the control plane left in container: and services: ({{ github.workspace }}, runner.*)
                spec = withContainers(
                        spec, expressions.scope(env, dev.runway.workflow.expr.Expressions.Status.SUCCESS));
            } catch (IllegalArgumentException e) {
                String why = out.hide(e.getMessage());
                new StepReporter(out).failed(why);
                deleteQuietly(filesDir);
                return new Outcome(JobState.FAILED, why, List.of());
            }
        }
        Map<String, String> outputs = Map.of();
        StepHost host;
        try {
            host = hosts.open(spec, workspace, filesDir, out, control);
        } catch (StepHost.JobSetupException e) {
            String why = out.hide(e.getMessage());
            new StepReporter(out).failed(why);
            deleteQuietly(filesDir);
            return new Outcome(JobState.FAILED, why, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(filesDir);
            return new Outcome(JobState.CANCELLED, "agent interrupted", List.of());
        }
        try {
            StepLoop loop = new StepLoop(
                    new ProcessSupervisor(control, jobDeadline, DefaultVariables.of(host.environment(runnerEnv))),
                    containers,
                    host,
                    spec,
                    workspace,
                    out,
                    control,
                    api,
                    files,
                    sources);
            Map<String, String> jobEnv = host.environment(env);
            if (spec.workflow()) {
                try {
                    jobEnv = new HashMap<>(jobEnv);
                    jobEnv.put(
                            "GITHUB_EVENT_PATH", writeEventFile(spec, filesDir).toString());
                } catch (IOException e) {
                    return new Outcome(
                            JobState.FAILED, "runner could not write the event file: " + e.getMessage(), List.of());
                }
            }
            StepLoop.Result r = loop.runPosts(loop.run(spec.steps(), expressions, jobEnv, new StepReporter(out), 0));
            results.addAll(r.steps());
            result = r.state();
            reason = r.reason();
            if (expressions != null && !spec.outputs().isEmpty()) {
                Map<String, String> envContext = new java.util.LinkedHashMap<>(env);
                envContext.putAll(files.addedEnv());
                outputs = out.withoutSecrets(
                        expressions.outputs(spec.outputs(), envContext, StepLoop.status(result)), "job", "");
            }
            out.step(null);
            ResourceUsage usage = host.usage();
            return new Outcome(result, reason, results, outputs, out.annotations(), usage, out.masked());
        } finally {
            host.close();
            deleteQuietly(filesDir);
        }
    }

    /** GitHub's event payload file ({@code GITHUB_EVENT_PATH}), as far as the run has one. */
    private static Path writeEventFile(JobSpec spec, Path filesDir) throws IOException {
        Object github = spec.contexts().get("github");
        Object event = github instanceof Map<?, ?> g ? g.get("event") : null;
        Path eventFile = filesDir.resolve("event.json");
        Files.writeString(
                eventFile, dev.runway.protocol.Json.lenient().writeValueAsString(event == null ? Map.of() : event));
        return eventFile;
    }

    /** GitHub's name for this host's architecture ({@code runner.arch}, {@code RUNNER_ARCH}). */
    public static String runnerArch() {
        String arch = System.getProperty("os.arch", "");
        return switch (arch) {
            case "amd64", "x86_64" -> "X64";
            case "aarch64", "arm64" -> "ARM64";
            case "x86", "i386", "i686" -> "X86";
            default -> arch.toUpperCase(java.util.Locale.ROOT);
        };
    }

    /** GitHub's {@code runner} context for this host, with the paths the job's steps get as RUNNER_* variables. */
    /**
     * {@code spec} with the expressions left in its {@code container:} and {@code services:} evaluated (without
     * secrets, which the control plane refuses there). Only strings that still hold {@code ${{}} are evaluated.
     */
    @SuppressWarnings("unchecked")
    static JobSpec withContainers(JobSpec spec, dev.runway.workflow.expr.Templates.Scope scope) {
        dev.runway.workflow.expr.Value.Obj c = new dev.runway.workflow.expr.Value.Obj();
        scope.contexts().entries().forEach(c::put);
        c.put("secrets", new dev.runway.workflow.expr.Value.Obj());
        dev.runway.workflow.expr.Templates.Scope noSecrets = new dev.runway.workflow.expr.Templates.Scope(c);
        Object services = left(spec.services(), noSecrets);
        return new JobSpec(
                spec.name(),
                spec.labels(),
                spec.env(),
                spec.steps(),
                spec.timeoutSeconds(),
                spec.maxAttempts(),
                spec.contexts(),
                spec.outputs(),
                left(spec.container(), noSecrets),
                services instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of());
    }

    private static Object left(Object o, dev.runway.workflow.expr.Templates.Scope scope) {
        if (o instanceof String s && s.contains("${{")) {
            try {
                return dev.runway.workflow.expr.Templates.toJava(dev.runway.workflow.expr.Templates.value(s, scope));
            } catch (dev.runway.workflow.expr.ExpressionException e) {
                throw new IllegalArgumentException("container/services: " + e.getMessage(), e);
            }
        }
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), left(v, scope)));
            return out;
        }
        if (o instanceof List<?> l) return l.stream().map(i -> left(i, scope)).toList();
        return o;
    }

    private static Map<String, Object> runnerContext(Map<String, String> env, FileCommands files) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("os", "Linux");
        r.put("arch", runnerArch());
        r.put("name", env.getOrDefault("RUNNER_NAME", ""));
        r.put("temp", files.temp().toString());
        r.put("tool_cache", env.getOrDefault("RUNNER_TOOL_CACHE", ""));
        r.put("workspace", env.getOrDefault("GITHUB_WORKSPACE", ""));
        r.put("environment", "self-hosted");
        r.put("debug", env.getOrDefault("RUNNER_DEBUG", ""));
        return r;
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // the agent removes leftovers at its next start
        }
    }

    /** The environment of a step: the agent's own, minus Runway's settings (the job must never see the credential). */
    public static Map<String, String> baseEnvironment(Map<String, String> agentEnv) {
        Map<String, String> env = new HashMap<>();
        agentEnv.forEach((k, v) -> {
            if (!k.startsWith("RUNWAY_")) env.put(k, v);
        });
        return env;
    }
}
