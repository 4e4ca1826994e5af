package dev.runway.agent.exec;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.isolation.InsideDirectories;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.output.FileCommands;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.agent.steps.SecretEnv;
import dev.runway.agent.steps.StepExpressions;
import dev.runway.agent.steps.StepLoop;
import dev.runway.agent.steps.StepReporter;
import dev.runway.agent.steps.StepRun;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.ResourceUsage;
import dev.runway.protocol.StepResult;
import dev.runway.protocol.StepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a job's steps, each a script with {@code bash --noprofile --norc -eo pipefail} (or {@code sh -e}, python, a
 * custom shell), in the job's workspace, in the place its {@link StepHost.Factory} opens for the job: the host (shell
 * executor), a bubblewrap sandbox, or a container. The first failing step ends the job; later steps are skipped.
 */
public final class ShellExecutor implements Executor {
    private final StepHost.Factory hosts;
    private final ActionSources sources;
    private final ActionContainers containers;

    public ShellExecutor(StepTracker tracker) {
        this(new ProcessHosts(tracker, Sandbox.HOST));
    }

    /** Where a job's step files (GITHUB_ENV...) live: next to its workspace, never inside it. */
    static Path filesDirOf(Path workspace) {
        return workspace.resolveSibling("." + workspace.getFileName() + "-files");
    }

    /** Steps run inside {@code sandbox} (the sandbox executor) instead of directly on the host. */
    public ShellExecutor(StepTracker tracker, Sandbox sandbox) {
        this(new ProcessHosts(tracker, sandbox));
    }

    public ShellExecutor(StepHost.Factory hosts) {
        this(hosts, ActionSources.NONE);
    }

    /** Steps that use actions other than the built-in ones find them in {@code sources}. */
    public ShellExecutor(StepHost.Factory hosts, ActionSources sources) {
        this(hosts, sources, ActionContainers.NONE);
    }

    /** Docker actions ({@code runs.using: docker}) run in {@code containers}. */
    public ShellExecutor(StepHost.Factory hosts, ActionSources sources, ActionContainers containers) {
        this.hosts = hosts;
        this.sources = sources == null ? ActionSources.NONE : sources;
        this.containers = containers == null ? ActionContainers.NONE : containers;
    }

    public ActionContainers containers() {
        return containers;
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
            StepLoop loop = new StepLoop(this, host, spec, workspace, out, control, api, files, jobDeadline, sources);
            Map<String, String> jobEnv = host.environment(env);
            if (spec.workflow()) { // GitHub's event payload file, as far as the run has one
                Object github = spec.contexts().get("github");
                Object event = github instanceof Map<?, ?> g ? g.get("event") : null;
                Path eventFile = filesDir.resolve("event.json");
                try {
                    Files.writeString(
                            eventFile,
                            dev.runway.protocol.Json.lenient().writeValueAsString(event == null ? Map.of() : event));
                } catch (IOException e) {
                    return new Outcome(
                            JobState.FAILED, "runner could not write the event file: " + e.getMessage(), List.of());
                }
                jobEnv = new java.util.HashMap<>(jobEnv);
                jobEnv.put("GITHUB_EVENT_PATH", eventFile.toString());
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

    public StepRun runStep(
            StepHost host,
            int index,
            StepSpec step,
            Path workspace,
            Map<String, String> env,
            Output out,
            JobControl control,
            long jobDeadline) {
        Path script = null;
        try {
            Path cwd = stepDirectory(workspace, step.workingDirectory());
            script = Files.createTempFile(filesDirOf(workspace), "step-" + index + "-", ".sh");
            Files.writeString(script, step.run() + "\n");
            List<String> cmd = new ArrayList<>();
            String shell = step.shell() == null ? host.defaultShell() : step.shell();
            switch (shell) {
                case "bash" ->
                    cmd.addAll(List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString()));
                case "sh" -> cmd.addAll(List.of("sh", "-e", script.toString()));
                case "python" -> cmd.addAll(List.of("python3", script.toString()));
                default -> {
                    if (!shell.contains("{0}")) {
                        return new StepRun(
                                JobState.FAILED,
                                null,
                                "shell '" + shell + "' is not supported (use bash, sh, python or a command with {0})");
                    }
                    // GitHub's custom shell: the command with {0} replaced by the script file
                    for (String part : shell.strip().split("\\s+")) cmd.add(part.replace("{0}", script.toString()));
                }
            }
            Map<String, String> penv = new HashMap<>(env);
            Path home = host.home();
            if (home != null) penv.put("HOME", home.toString());
            penv.putAll(step.env());
            return runProcess(host, cmd, script, cwd, penv, step.timeoutSeconds(), out, control, jobDeadline);
        } catch (IOException e) {
            return new StepRun(JobState.FAILED, null, "cannot start step: " + e.getMessage());
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // removed with the step files at the end of the job
                }
            }
        }
    }

    /**
     * Runs {@code cmd} on {@code host} until it ends, the step's or the job's deadline passes, or the job is stopped.
     * {@code visible} is a file or directory of the host the process must see (its script, an action's directory).
     */
    public StepRun runProcess(
            StepHost host,
            List<String> cmd,
            Path visible,
            Path cwd,
            Map<String, String> penv,
            Integer timeoutSeconds,
            Output out,
            JobControl control,
            long jobDeadline) {
        if (out instanceof WorkflowCommands commands)
            commands.unsecureCommands("true".equalsIgnoreCase(penv.get("ACTIONS_ALLOW_UNSECURE_COMMANDS")));
        return supervise(
                () -> host.start(cmd, visible, cwd, penv, out), host::oomReason, timeoutSeconds, control, jobDeadline);
    }

    /** Starts something that runs like a step's process (an action's container). */
    @FunctionalInterface
    public interface Start {
        StepHost.Running start() throws IOException;
    }

    /**
     * Starts a step's process and waits for its end, killing it at the step's or the job's deadline or when the job
     * is stopped; {@code oomReason} says whether a failure was an out-of-memory kill.
     */
    public StepRun supervise(
            Start start,
            java.util.function.Supplier<String> oomReason,
            Integer timeoutSeconds,
            JobControl control,
            long jobDeadline) {
        StepHost.Running proc = null;
        try {
            proc = start.start();
            final StepHost.Running running = proc;
            AtomicReference<String> killedFor = new AtomicReference<>();
            control.onStop(() -> {
                killedFor.compareAndSet(null, "stop");
                running.kill();
            });
            long stepDeadline = timeoutSeconds == null
                    ? Long.MAX_VALUE
                    : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long deadline = Math.min(stepDeadline, jobDeadline);
            boolean exited =
                    running.waitFor(deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime());
            if (!exited) {
                killedFor.compareAndSet(null, stepDeadline <= jobDeadline ? "step" : "job");
                running.kill();
            }
            running.finish(exited);
            String why = killedFor.get();
            if (why == null) {
                int code = running.exitCode();
                String oom = code == 0 ? null : oomReason.get();
                if (oom != null) return new StepRun(JobState.FAILED, null, oom + " (exit code " + code + ")");
                return new StepRun(code == 0 ? JobState.SUCCEEDED : JobState.FAILED, code, null);
            }
            return switch (why) {
                case "step" -> new StepRun(JobState.TIMED_OUT, null, "step timed out after " + timeoutSeconds + " s");
                case "job" -> new StepRun(JobState.TIMED_OUT, null, "job timed out after the job timeout");
                default -> {
                    JobControl.Stop s = control.stopped();
                    yield new StepRun(
                            s == null ? JobState.CANCELLED : s.result(), null, s == null ? "cancelled" : s.reason());
                }
            };
        } catch (IOException e) {
            return new StepRun(JobState.FAILED, null, "cannot start step: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (proc != null) proc.kill();
            return new StepRun(JobState.CANCELLED, null, "agent interrupted");
        } finally {
            control.onStop(() -> {});
        }
    }

    /** A directory in the workspace, created if missing; a path leading out of it is an error. */
    public static Path workingDirectory(Path workspace, String wd) throws IOException {
        if (wd == null || wd.isBlank()) return workspace;
        Path p = workspace.resolve(wd).normalize();
        if (!p.startsWith(workspace)) throw new IOException("working directory '" + wd + "' is outside the workspace");
        return InsideDirectories.create(workspace, p);
    }

    /**
     * A step's {@code working-directory}: relative to the workspace, or absolute, as on GitHub. One inside the
     * workspace is created if missing; one outside it (a sibling checkout, {@code /tmp}) must exist: the runner
     * creates nothing outside a job's own directories.
     */
    static Path stepDirectory(Path workspace, String wd) throws IOException {
        Path p = workspace.resolve(wd == null ? "" : wd).normalize();
        if (p.startsWith(workspace)) return workingDirectory(workspace, wd);
        if (!Files.isDirectory(p))
            throw new IOException("working directory '" + wd + "' (" + p + ") does not exist; Runway creates missing"
                    + " working directories only inside the workspace");
        return p;
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
