package dev.runway.agent.steps;

import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.ProcessGroups;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The agent's own job hooks ({@code runway agent --hooks-dir DIR}): executable files named {@code environment},
 * {@code pre-command}, {@code post-command} and {@code pre-exit} in one directory, run by the agent for every job
 * attempt on its host, as its user, outside the job's sandbox or container, in the job's workspace. They get a
 * minimal environment (the agent's PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TMPDIR) and the job's metadata
 * ({@code RUNWAY_JOB_ID}...), never the job's environment or secrets. Their output goes to the job's log, masked,
 * framed like a step's ({@code ▶ hook: pre-command}, {@code ✔ hook: pre-command (N ms)}). A missing file is
 * skipped; one that is there but cannot run fails the job. Files are looked up at each job, so hooks can be added
 * or removed without restarting the agent.
 */
public final class JobHooks {
    public static final String ENVIRONMENT = "environment";
    public static final String PRE_COMMAND = "pre-command";
    public static final String POST_COMMAND = "post-command";
    public static final String PRE_EXIT = "pre-exit";
    /** The hooks in the order they run. */
    public static final List<String> NAMES = List.of(ENVIRONMENT, PRE_COMMAND, POST_COMMAND, PRE_EXIT);

    /** How long one hook may run before it is killed with its process group. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** The most a hook may run once the job was stopped (cancelled, agent shutting down). */
    static final Duration AFTER_STOP_TIMEOUT = Duration.ofSeconds(30);

    /** No hooks. */
    public static final JobHooks NONE = new JobHooks(null, DEFAULT_TIMEOUT, Map.of());

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final List<String> AGENT_VARIABLES =
            List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR");

    private final Path dir;
    private final Duration timeout;
    private final Map<String, String> base;

    private JobHooks(Path dir, Duration timeout, Map<String, String> base) {
        this.dir = dir;
        this.timeout = timeout;
        this.base = Map.copyOf(base);
    }

    /** The hooks in {@code dir} (none when null), each with {@link #DEFAULT_TIMEOUT}. */
    public static JobHooks load(Path dir) {
        return load(dir, DEFAULT_TIMEOUT, System.getenv());
    }

    /**
     * The hooks in {@code dir} (none when null), run with {@code timeout} each and the few variables of {@code
     * agentEnv} hooks get; an {@link IllegalArgumentException} says why when {@code dir} is not a directory or holds
     * a hook file that cannot run.
     */
    public static JobHooks load(Path dir, Duration timeout, Map<String, String> agentEnv) {
        if (dir == null) return NONE;
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d))
            throw new IllegalArgumentException(
                    "hooks directory " + d + (Files.exists(d) ? " is not a directory" : " does not exist"));
        for (String name : NAMES) file(d, name);
        if (timeout == null || timeout.isNegative() || timeout.isZero())
            throw new IllegalArgumentException("hook timeout must be positive, got " + timeout);
        Map<String, String> base = new HashMap<>();
        for (String k : AGENT_VARIABLES) {
            String v = agentEnv.get(k);
            if (v != null) base.put(k, v);
        }
        base.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        return new JobHooks(d, timeout, base);
    }

    /** The hook's file; null when there is none; an {@link IllegalArgumentException} when it is there but cannot run. */
    static Path file(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.exists(p)) return null;
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("hook " + p + " is not a regular file");
        if (!Files.isExecutable(p))
            throw new IllegalArgumentException("hook " + p + " is not executable (chmod +x it, or remove it)");
        return p;
    }

    /** Whether there is no hooks directory. */
    public boolean none() {
        return dir == null;
    }

    public Path dir() {
        return dir;
    }

    public Duration timeout() {
        return timeout;
    }

    /** What one hook came to: null {@code failure} when it succeeded or was not there. */
    record Ran(String failure, Map<String, String> exported) {
        static final Ran SKIPPED = new Ran(null, Map.of());

        boolean ok() {
            return failure == null;
        }
    }

    /** The hooks of one job attempt, writing to its log through {@code out}. */
    Job forJob(JobSpec spec, Path workspace, Map<String, String> jobEnv, WorkflowCommands out, JobControl control) {
        Map<String, String> env = new HashMap<>(base);
        put(env, "RUNWAY_JOB_ID", jobEnv.get("RUNWAY_JOB_ID"));
        put(env, "RUNWAY_JOB_NAME", spec.name());
        put(env, "RUNWAY_ATTEMPT", jobEnv.get("RUNWAY_ATTEMPT"));
        put(env, "RUNWAY_RUNNER_NAME", jobEnv.get("RUNNER_NAME"));
        put(env, "RUNWAY_WORKSPACE", workspace.toString());
        Object github = spec.contexts() == null ? null : spec.contexts().get("github");
        if (github instanceof Map<?, ?> g) {
            put(env, "RUNWAY_REPOSITORY", g.get("repository"));
            put(env, "RUNWAY_REF", g.get("ref"));
            put(env, "RUNWAY_SHA", g.get("sha"));
        }
        return new Job(Map.copyOf(env), workspace, out, control);
    }

    private static void put(Map<String, String> env, String key, Object value) {
        if (value != null && !String.valueOf(value).isEmpty()) env.put(key, String.valueOf(value));
    }

    /** The hooks of one job attempt. */
    final class Job {
        private final Map<String, String> env;
        private final Path workspace;
        private final WorkflowCommands out;
        private final StepReporter reporter;
        private final JobControl control;

        private Job(Map<String, String> env, Path workspace, WorkflowCommands out, JobControl control) {
            this.env = env;
            this.workspace = workspace;
            this.out = out;
            this.reporter = new StepReporter(out);
            this.control = control;
        }

        /**
         * Runs hook {@code name} if there is one, with {@code extra} in its environment; {@code environment} and
         * {@code pre-command} are killed when the job is stopped, the later ones run on (for at most {@link
         * #AFTER_STOP_TIMEOUT} once it was).
         */
        Ran run(String name, Map<String, String> extra) {
            if (dir == null) return Ran.SKIPPED;
            String title = "hook: " + name;
            Path file;
            try {
                file = file(dir, name);
            } catch (IllegalArgumentException e) {
                reporter.started(title);
                return failed(e.getMessage());
            }
            if (file == null) return Ran.SKIPPED;
            reporter.started(title);
            long started = System.nanoTime();
            boolean environment = name.equals(ENVIRONMENT);
            Map<String, String> penv = new HashMap<>(env);
            penv.putAll(extra);
            ProcessBuilder pb = new ProcessBuilder(ProcessGroups.setsid(), file.toString())
                    .directory(workspace.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(!environment);
            pb.environment().clear();
            pb.environment().putAll(penv);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return failed("hook " + name + " could not start: " + e.getMessage());
            }
            Map<String, String> exported = new LinkedHashMap<>();
            List<String> invalid = new ArrayList<>();
            // what a process the hook left running writes after the hook's end is no longer the job's (the JDK
            // already drains and closes a process's pipes when it exits; this holds should that ever change)
            AtomicBoolean open = new AtomicBoolean(true);
            Consumer<String> log = line -> {
                if (open.get()) out.line(line);
            };
            Thread stdout = Thread.ofVirtual()
                    .start(() -> lines(p.getInputStream(), line -> {
                        int eq = environment ? line.indexOf('=') : -1;
                        if (eq < 0) {
                            log.accept(line);
                            return;
                        }
                        String key = line.substring(0, eq);
                        synchronized (exported) {
                            if (!open.get()) return;
                            if (valid(key)) exported.put(key, line.substring(eq + 1));
                            else invalid.add(key);
                        }
                    }));
            Thread stderr = environment ? Thread.ofVirtual().start(() -> lines(p.getErrorStream(), log)) : null;
            boolean stoppable = environment || name.equals(PRE_COMMAND);
            AtomicBoolean stopped = new AtomicBoolean();
            if (stoppable)
                control.onStop(() -> {
                    stopped.set(true);
                    kill(p);
                });
            Duration limit = !stoppable && control.stopped() != null && AFTER_STOP_TIMEOUT.compareTo(timeout) < 0
                    ? AFTER_STOP_TIMEOUT
                    : timeout;
            boolean exited;
            try {
                exited = p.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
                if (!exited) kill(p);
                p.waitFor(5, TimeUnit.SECONDS);
                stdout.join(Duration.ofSeconds(5)); // the last of its output
                if (stderr != null) stderr.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill(p);
                return failed("hook " + name + ": agent interrupted");
            } finally {
                synchronized (exported) {
                    open.set(false);
                }
                if (stoppable) control.onStop(() -> {});
            }
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (!exited) return failed("hook " + name + " timed out after " + limit.toMillis() + " ms and was killed");
            if (stopped.get()) {
                JobControl.Stop s = control.stopped();
                return failed("hook " + name + " was stopped: " + (s == null ? "cancelled" : s.reason()));
            }
            if (p.isAlive()) return failed("hook " + name + " did not end after it was killed");
            int code = p.exitValue();
            if (code != 0) return failed("hook " + name + " failed with exit code " + code);
            synchronized (exported) {
                if (!invalid.isEmpty())
                    return failed("hook " + name + " exported invalid or reserved variable names " + invalid
                            + " (KEY=VALUE lines on stdout; KEY a name not starting with GITHUB_, RUNNER_, RUNWAY_)");
                if (!exported.isEmpty())
                    out.line("[runway] hook " + name + " set " + String.join(", ", exported.keySet()));
                reporter.succeeded(title, ms);
                return new Ran(null, Map.copyOf(exported));
            }
        }

        private Ran failed(String why) {
            String shown = out.hide(why);
            reporter.failed(shown);
            return new Ran(shown, Map.of());
        }
    }

    /** A name a hook may set for the job's steps: a variable name, not one of the runner's own. */
    static boolean valid(String key) {
        return VARIABLE.matcher(key).matches()
                && !key.startsWith("GITHUB_")
                && !key.startsWith("RUNNER_")
                && !key.startsWith("RUNWAY_");
    }

    private static void kill(Process p) {
        ProcessGroups.kill(p.pid(), p.descendants().toList());
    }

    private static void lines(InputStream in, Consumer<String> to) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) to.accept(line);
        } catch (IOException ignored) {
            // the hook's pipe closed (it was killed): nothing more to read
        }
    }
}
