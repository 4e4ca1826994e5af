package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.RunwayAgent;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run a workflow of the git repository you are in, on its working tree (uncommitted changes"
                + " included), with an embedded control plane and a local runner that takes every job whatever its"
                + " runs-on. Shows jobs and their output live, prints a summary, and exits 1 if the run failed."
                + " Needs only a JDK (and git). --list, --graph and --dry-run show the jobs and the plan without"
                + " running anything. Options written one a line in ~/.runwayrc and in .runwayrc at the repository's"
                + " root come before the command line's (which wins).")
final class RunCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "WORKFLOW",
            description = "Workflow file (default: the only file in .github/workflows, not counting reusable"
                    + " workflows, those triggered by workflow_call alone).")
    Path workflow;

    @Option(
            names = {"-j", "--job"},
            paramLabel = "ID",
            description = "Run only this job and the jobs it needs (repeatable).")
    List<String> jobs = new ArrayList<>();

    @Option(
            names = {"-e", "--event"},
            paramLabel = "EVENT",
            description = "Name of the event to run for, e.g. push or workflow_dispatch (default: workflow_dispatch"
                    + " if the workflow has it, else its first trigger). Unlike act's -e, not a file: the payload"
                    + " file is --eventpath.")
    String event;

    @Option(
            names = "--eventpath",
            paramLabel = "FILE",
            description = "A JSON object to use as the event payload (github.event, the GITHUB_EVENT_PATH file)"
                    + " instead of the one Runway makes up; the event's name is still -e (or the default). Checked"
                    + " (errors at FILE:LINE:COLUMN) and shown by --dry-run.")
    Path eventPath;

    @Option(
            names = {"-l", "--list"},
            description = "List the jobs of the workflow (of every workflow in .github/workflows when none is"
                    + " named) with their stage, needs and runs-on; nothing runs.")
    boolean list;

    @Option(
            names = {"-g", "--graph"},
            description = "Show the stages of the workflow's needs graph (of every workflow when none is named);"
                    + " nothing runs.")
    boolean graph;

    @Option(
            names = {"-n", "--dry-run"},
            description = "Check everything and show the plan: the event, and by stage the job instances that would"
                    + " run with their matrix values (after --job and --matrix). Nothing runs; no control plane,"
                    + " runner or sandbox is started.")
    boolean dryRun;

    @Option(
            names = {"-i", "--input"},
            paramLabel = "NAME=VALUE",
            description = "A workflow_dispatch input (repeatable).")
    Map<String, String> inputs = new LinkedHashMap<>();

    @Option(
            names = {"-m", "--matrix"},
            paramLabel = "KEY:VALUE",
            description = "Run only matrix legs with this value (repeatable), e.g. --matrix os:linux.")
    List<String> matrix = new ArrayList<>();

    @Option(
            names = {"-s", "--secret"},
            paramLabel = "NAME=VALUE",
            description = "A secret for secrets.NAME (repeatable); kept in memory only and masked in the output."
                    + " Prefer --secret-file: command lines are visible to other users of the machine.")
    Map<String, String> secrets = new LinkedHashMap<>();

    @Option(
            names = "--secret-file",
            paramLabel = "FILE",
            description = "Secrets as NAME=VALUE lines (dotenv: # comments, blank lines ignored, values may be"
                    + " quoted); --secret wins.")
    Path secretFile;

    @Option(
            names = "--env",
            paramLabel = "NAME=VALUE",
            description = "An environment variable every step gets (repeatable); wins over --env-file.")
    Map<String, String> envs = new LinkedHashMap<>();

    @Option(
            names = "--env-file",
            paramLabel = "FILE",
            description = "Environment variables every step gets, as NAME=VALUE lines (dotenv format, as"
                    + " --secret-file). They are the runner's environment (like a self-hosted runner's .env file):"
                    + " steps see them, the workflow's env: overrides them, the env context does not show them.")
    Path envFile;

    @Option(
            names = "--var",
            paramLabel = "NAME=VALUE",
            description = "A configuration variable for vars.NAME (repeatable); wins over --var-file.")
    Map<String, String> vars = new LinkedHashMap<>();

    @Option(
            names = "--var-file",
            paramLabel = "FILE",
            description = "Configuration variables for vars.NAME, as NAME=VALUE lines (dotenv format).")
    Path varFile;

    @Option(
            names = "--no-runwayrc",
            description = "Do not read the defaults files (.runwayrc in the repository's root and ~/.runwayrc).")
    boolean noRunwayrc;

    @Option(names = "--slots", paramLabel = "N", description = "Jobs run at once (default: the number of processors).")
    Integer slots;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Where the local control plane keeps its database, caches and artifacts"
                    + " (default: ~/.cache/runway/local, so caches carry over between runs).")
    Path dataDir;

    @picocli.CommandLine.Mixin
    ActionOptions actions = new ActionOptions();

    @picocli.CommandLine.Mixin
    IsolationOptions isolation = new IsolationOptions();

    @Option(names = "--plain", description = "No colors (the default when output is not a terminal).")
    boolean plain;

    private final Object printLock = new Object();
    private boolean color;

    @Override
    public Integer call() throws Exception {
        color = !plain && System.console() != null && System.getenv("NO_COLOR") == null;
        if ((list ? 1 : 0) + (graph ? 1 : 0) + (dryRun ? 1 : 0) > 1)
            throw new CliException("--list, --graph and --dry-run: give one of them");
        if (slots != null && slots < 1) throw new CliException("--slots: must be at least 1, not " + slots);
        Path root = gitRoot();
        if (list || graph) {
            show(root);
            return 0;
        }
        isolation.check(); // every option checked before anything starts
        isolation.limits();
        isolation.minFree();
        actions.settings(Path.of("."));
        Map<String, String> allSecrets = Secrets.read(secretFile, secrets);
        Map<String, String> stepEnv = RunFiles.env(envFile, envs);
        if (!stepEnv.isEmpty() && isolation.executor.equals("container"))
            throw new CliException("--env and --env-file do not reach jobs of the container executor yet (a job"
                    + " container starts from its image's environment); use the workflow's env: there");
        Map<String, String> allVars = RunFiles.vars(varFile, vars);
        Map<String, Object> payload = eventPath == null ? null : RunFiles.payload(eventPath);
        requireCommit(root);
        Path file = workflowFile(root);
        String relative = root.relativize(file.toAbsolutePath().normalize()).toString();
        Map<String, String> matrixFilter = new LinkedHashMap<>();
        for (String m : matrix) {
            int colon = m.indexOf(':');
            if (colon <= 0) throw new CliException("--matrix: expected KEY:VALUE, not '" + m + "'");
            matrixFilter.put(
                    m.substring(0, colon).strip(), m.substring(colon + 1).strip());
        }
        if (dryRun) {
            RunPlan plan = RunPlan.of(file, relative);
            List<RunPlan.Planned> planned = plan.dryRun(event, inputs, jobs, matrixFilter);
            List<String> notes = new ArrayList<>();
            if (payload != null)
                notes.add("event payload from " + eventPath + ": " + payload.size() + " top-level key(s) "
                        + payload.keySet());
            if (!stepEnv.isEmpty()) notes.add("environment for every step: " + String.join(", ", stepEnv.keySet()));
            if (!allVars.isEmpty()) notes.add("vars: " + String.join(", ", allVars.keySet()));
            if (!allSecrets.isEmpty())
                notes.add("secrets (values not shown): " + String.join(", ", allSecrets.keySet()));
            notes.add("executor " + isolation.executor + ", "
                    + (slots != null ? slots : Runtime.getRuntime().availableProcessors()) + " slot(s)");
            plan.printDryRun(System.out, planned, notes);
            return 0;
        }
        Path data = dataDir != null ? dataDir : defaultDataDir();
        java.io.Closeable lock = LocalRunner.lockDataDir(data, "runway run");
        try {
            return run(data, root, file, relative, matrixFilter, new Given(allSecrets, stepEnv, allVars, payload));
        } finally {
            lock.close();
        }
    }

    /** What the command line gives the run besides the workflow: secrets, step environment, vars, payload. */
    record Given(
            Map<String, String> secrets,
            Map<String, String> env,
            Map<String, String> vars,
            Map<String, Object> payload) {}

    /** `--list` and `--graph`: the named workflow, or every workflow of the repository. */
    private void show(Path root) throws IOException {
        List<Path> files = workflow != null ? List.of(workflowFile(root)) : workflowFiles(root);
        if (files.isEmpty()) throw new CliException("no workflow files in " + root.resolve(".github/workflows"));
        boolean first = true;
        for (Path f : files) {
            if (!first) System.out.println();
            first = false;
            RunPlan plan = RunPlan.of(f, root.relativize(f).toString());
            if (list) plan.list(System.out);
            else plan.graph(System.out);
        }
    }

    private int run(Path data, Path root, Path file, String relative, Map<String, String> matrixFilter, Given given)
            throws Exception {
        quietLogs();
        RunwayServer server;
        try {
            server = RunwayServer.start(ServerConfig.defaults(data).withPort(0));
        } catch (RuntimeException e) {
            throw new CliException(
                    "cannot start the local control plane in " + data + ": " + ServerCommand.rootMessage(e));
        }
        ApiClient api = new ApiClient(server.url(), server.adminToken());
        RunwayAgent agent = startAgent(server, api, data, given.secrets(), given.env());
        String[] runId = new String[1];
        Thread hook = new Thread(
                () -> {
                    if (runId[0] != null) {
                        try {
                            api.post(Ids.path(ApiPaths.RUN_CANCEL, runId[0], "run"), null, RunView.class);
                        } catch (CliException ignored) {
                            // already finished
                        }
                    }
                    agent.shutdown();
                    server.close();
                },
                "runway-run-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            RunRequest request = new RunRequest(
                    root.toString(),
                    "HEAD",
                    relative,
                    Files.readString(file),
                    event,
                    inputs,
                    jobs,
                    matrixFilter,
                    true,
                    given.payload());
            RunView run;
            // the run takes its vars when it starts: they are in the local store only until then
            try (RunFiles.VarsSet ignored = RunFiles.setVars(api, given.vars())) {
                run = api.post(ApiPaths.RUNS, request, RunView.class);
            }
            runId[0] = run.id();
            System.out.println(bold("Runway run " + run.id()) + " of " + run.name() + " (" + relative + ") at "
                    + (run.sha() == null ? "?" : run.sha().substring(0, 12)) + ", event " + run.event());
            RunView done = watch(api, run.id());
            summary(done);
            return done.state() == JobState.SUCCEEDED ? 0 : 1;
        } finally {
            runId[0] = null;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down already: the hook does the rest
            }
            agent.shutdown();
            agent.awaitStopped(15, TimeUnit.SECONDS);
            server.close();
        }
    }

    private RunwayAgent startAgent(
            RunwayServer server, ApiClient api, Path data, Map<String, String> secrets, Map<String, String> env) {
        int n = slots != null ? slots : Math.max(1, Runtime.getRuntime().availableProcessors());
        AgentConfig config = isolation
                .apply(LocalRunner.config(
                        server, api, data, "local-run", List.of("*"), n, Duration.ofSeconds(5), secrets))
                .withActions(actions.settings(data.resolve("actions")));
        // --env and --env-file: the runner's own environment, which every step on the host starts from
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(env);
        RunwayAgent agent = new RunwayAgent(
                config, dev.runway.agent.client.Failover.over(List.of(config.serverUrl())), environment);
        Thread.ofPlatform().name("runway-agent").daemon().start(agent::run);
        return agent;
    }

    /** Shows job states as they change and every job's output as it arrives, until the run ends. */
    private RunView watch(ApiClient api, String id) throws InterruptedException {
        Map<String, String> seen = new HashMap<>();
        Map<String, Thread> followers = new HashMap<>();
        Map<String, Integer> colors = new HashMap<>();
        while (true) {
            RunView r = api.get(Ids.path(ApiPaths.RUN, id, "run"), RunView.class);
            for (JobView j : r.jobs()) {
                colors.putIfAbsent(j.id(), colors.size());
                if (j.attempt() > 0 && !followers.containsKey(j.id())) {
                    PrintStream out = new PrintStream(new Prefixed(prefix(j.name(), colors.get(j.id()))), true);
                    followers.put(j.id(), Thread.ofVirtual().start(() -> LogsCommand.follow(api, j.id(), out)));
                }
                String state = j.state().wireName();
                if (state.equals(seen.put(j.id(), state))) continue;
                if (j.state() == JobState.QUEUED) continue;
                if (j.state() == JobState.RUNNING) {
                    line(prefix(j.name(), colors.get(j.id())) + "started");
                } else {
                    Thread f = followers.get(j.id());
                    if (f != null) f.join(TimeUnit.SECONDS.toMillis(30)); // its output first, then its result
                    line(mark(j.state()) + " " + j.name() + " "
                            + paint(j.state(), j.state().wireName())
                            + (j.durationMs() == null ? "" : " in " + Format.duration(j.durationMs()))
                            + (j.reason() == null ? "" : " (" + j.reason() + ")"));
                }
            }
            if (r.state().isTerminal()) {
                for (Thread f : followers.values()) f.join(TimeUnit.SECONDS.toMillis(30));
                return r;
            }
            Thread.sleep(150); // polling a local server for display, not test synchronisation
        }
    }

    private void summary(RunView r) {
        System.out.println();
        System.out.print(Format.table(
                List.of("JOB", "STATE", "DURATION", "REASON"),
                r.jobs().stream()
                        .map(j -> List.of(
                                j.name(),
                                j.state().wireName(),
                                Format.duration(j.durationMs()),
                                j.reason() == null ? "" : j.reason()))
                        .toList()));
        r.jobs().forEach(j -> {
            if (j.annotations() != null)
                j.annotations().forEach(a -> System.out.println(j.name() + ": " + Format.annotation(a)));
        });
        System.out.println(bold("run " + paint(r.state(), r.state().wireName())) + " in "
                + Format.duration(r.durationMs()) + (r.reason() == null ? "" : ": " + r.reason()));
    }

    private Path gitRoot() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--show-toplevel")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0)
                throw new CliException(
                        "runway run works in a git repository; this directory is not in one (" + out + ")");
            return Path.of(out);
        } catch (IOException e) {
            throw new CliException("cannot run git (is it installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** A run starts from HEAD (the working tree on top): the repository needs one commit. */
    private static void requireCommit(Path root) {
        try {
            Process head = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "--verify", "--quiet", "HEAD")
                    .start();
            head.getInputStream().readAllBytes();
            if (head.waitFor() != 0)
                throw new CliException("the repository at " + root + " has no commit yet; commit once, then run again"
                        + " (your uncommitted changes are used as they are)");
        } catch (IOException e) {
            throw new CliException("cannot run git (is it installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /** Whether a workflow file is a reusable workflow only: its one trigger is workflow_call. */
    static boolean onlyCalled(Path file) {
        try {
            var parsed = dev.runway.workflow.parse.WorkflowParser.parse(file.toString(), Files.readString(file));
            return parsed.workflow() != null
                    && parsed.workflow().on().keySet().equals(java.util.Set.of("workflow_call"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private Path workflowFile(Path root) throws IOException {
        if (workflow != null) {
            Path f = workflow.toAbsolutePath().normalize();
            if (!Files.isRegularFile(f)) throw new CliException(workflow + ": no such file");
            if (!f.startsWith(root)) throw new CliException(workflow + ": not inside the repository at " + root);
            return f;
        }
        Path dir = root.resolve(".github/workflows");
        List<Path> files = workflowFiles(root);
        if (files.size() > 1) { // a reusable workflow (on: workflow_call alone) runs only when called
            List<Path> runnable = files.stream().filter(f -> !onlyCalled(f)).toList();
            if (runnable.size() == 1) return runnable.get(0);
        }
        if (files.size() == 1) return files.get(0);
        if (files.isEmpty()) throw new CliException("no workflow files in " + dir + "; name one: runway run FILE");
        throw new CliException("several workflows in " + root.relativize(dir) + "; name one: runway run "
                + String.join(
                        " | ",
                        files.stream().map(f -> root.relativize(f).toString()).toList()));
    }

    /** The workflow files of the repository: .github/workflows/*.yml and *.yaml, sorted. */
    private static List<Path> workflowFiles(Path root) throws IOException {
        Path dir = root.resolve(".github/workflows");
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .forEach(files::add);
            }
        }
        return files;
    }

    private static Path defaultDataDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("runway").resolve("local");
    }

    /** The embedded control plane and runner log only problems; the run's own output is what matters here. */
    private static void quietLogs() {
        if (System.getenv("RUNWAY_LOG_LEVEL") != null) return;
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger l) l.setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private static final String[] COLORS = {"36", "35", "34", "33", "32", "31"};

    private String prefix(String job, int index) {
        return color ? "\u001b[" + COLORS[index % COLORS.length] + "m[" + job + "]\u001b[0m " : "[" + job + "] ";
    }

    private String mark(JobState s) {
        return paint(s, s == JobState.SUCCEEDED ? "\u2714" : s == JobState.SKIPPED ? "\u25cb" : "\u2718");
    }

    private String paint(JobState s, String text) {
        if (!color) return text;
        String code = switch (s) {
            case SUCCEEDED -> "32";
            case SKIPPED, CANCELLED -> "33";
            case FAILED, TIMED_OUT -> "31";
            default -> "0";
        };
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }

    private String bold(String s) {
        return color ? "\u001b[1m" + s + "\u001b[0m" : s;
    }

    private void line(String s) {
        synchronized (printLock) {
            System.out.println(s);
        }
    }

    /** Writes whole lines to stdout, each with the job's prefix, so parallel jobs do not mix within a line. */
    private final class Prefixed extends OutputStream {
        private final String prefix;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Prefixed(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                line(prefix + buf.toString(StandardCharsets.UTF_8));
                buf.reset();
            } else {
                buf.write(b);
            }
        }

        @Override
        public void flush() {}
    }
}
