package dev.runway.agent.container;

import com.github.dockerjava.api.command.InspectImageResponse;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.Cgroup;
import dev.runway.agent.isolation.JobLimits;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.ResourceUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container executor: each job gets its own network, its {@code services:} (started first, reachable by their
 * names, health-checked before the first step), and a job container (the job's {@code container:} image, or the
 * runner's default image) in which every step runs through the engine's exec, with the workspace mounted at the
 * same path as on the host. CPU, memory and process limits are the runner's, lowered by the job's options. Closing
 * the job removes its containers and network; all carry the labels {@code runway.agent} and {@code runway.job}, so
 * a restarted agent removes what a killed one left.
 */
public final class ContainerHosts implements StepHost.Factory {
    private static final Logger log = LoggerFactory.getLogger(ContainerHosts.class);
    /** The job container's first process: idles until the job ends (GitHub's runner does the same). */
    static final List<String> IDLE = List.of("tail", "-f", "/dev/null");

    private final ContainerEngine engine;
    private final String defaultImage;
    private final JobLimits limits;
    private final String agentKey;
    private final boolean network;
    private final List<Path> actionDirs;
    /** Whether an image (by id) has bash: the default shell of its steps. */
    private final Map<String, String> shells = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param defaultImage where jobs without {@code container:} run
     * @param limits the most any job on this runner may use
     * @param agentKey this agent's label value, so it reaps its own leftovers and no other agent's
     */
    public ContainerHosts(ContainerEngine engine, String defaultImage, JobLimits limits, String agentKey) {
        this(engine, defaultImage, limits, agentKey, true);
    }

    /** @param network false: job containers get no network at all, and jobs with services are refused */
    public ContainerHosts(
            ContainerEngine engine, String defaultImage, JobLimits limits, String agentKey, boolean network) {
        this(engine, defaultImage, limits, agentKey, network, List.of());
    }

    /**
     * @param actionDirs where the runner keeps actions (its local store, its cache of fetched ones): mounted
     *     read-only into every job container at the same paths, so that an action's scripts and JavaScript run there
     */
    public ContainerHosts(
            ContainerEngine engine,
            String defaultImage,
            JobLimits limits,
            String agentKey,
            boolean network,
            List<Path> actionDirs) {
        this.actionDirs = List.copyOf(actionDirs);
        this.network = network;
        this.engine = engine;
        this.defaultImage = defaultImage;
        this.limits = limits;
        this.agentKey = agentKey;
    }

    @Override
    public int reapLeftovers() {
        try {
            return engine.removeAll(Map.of(ContainerEngine.LABEL_AGENT, agentKey));
        } catch (RuntimeException e) {
            log.warn("cannot look for containers left by a previous run at {}: {}", engine.host(), e.toString());
            return 0;
        }
    }

    @Override
    public StepHost open(JobSpec spec, Path workspace, Path filesDir, Executor.Output out, JobControl control)
            throws StepHost.JobSetupException, InterruptedException {
        ContainerSpec job;
        Map<String, ContainerSpec> services = new LinkedHashMap<>();
        try {
            job = spec.container() == null
                    ? ContainerSpec.parse(defaultImage, "the runner's image")
                    : ContainerSpec.parse(spec.container(), "container");
            spec.services().forEach((name, v) -> services.put(name, ContainerSpec.parse(v, "services." + name)));
        } catch (IllegalArgumentException e) {
            throw new StepHost.JobSetupException(e.getMessage());
        }
        if ((!network || job.noNetwork()) && !services.isEmpty())
            throw new StepHost.JobSetupException("this job has services (" + String.join(", ", services.keySet())
                    + "), but it runs without a network ("
                    + (network ? "container.options: --network none" : "the runner's --no-network")
                    + "), so they could not be reached");
        String key = workspace.getFileName().toString();
        Map<String, String> labels = Map.of(ContainerEngine.LABEL_AGENT, agentKey, ContainerEngine.LABEL_JOB, key);
        Host host = new Host(labels);
        boolean ok = false;
        try {
            engine.ping();
            if (network) host.network = engine.createNetwork("runway-" + key, labels);
            for (Map.Entry<String, ContainerSpec> s : services.entrySet()) {
                startService(host, key, s.getKey(), s.getValue(), labels, out, control);
            }
            InspectImageResponse image = engine.ensureImage(job.image(), job.credentials(), out::line);
            JobLimits jobLimits = limits.capping(job.limits());
            out.line("[runway] starting job container from " + job.image()
                    + (jobLimits.equals(JobLimits.NONE) ? "" : " (limits: " + jobLimits + ")"));
            host.container = engine.start(new ContainerEngine.ContainerRequest(
                    job.image(),
                    "runway-" + key,
                    labels,
                    env(job.env()),
                    IDLE,
                    List.of(),
                    host.networkMode = network && !job.noNetwork() ? "runway-" + key : "none",
                    List.of(),
                    binds(workspace, filesDir),
                    jobLimits,
                    job.user(),
                    null));
            host.containers.add(host.container);
            host.user = job.user();
            host.imageEnv = imageEnv(image, job.env());
            String imageId = image.getId() == null ? job.image() : image.getId();
            String shell = shells.get(imageId);
            if (shell == null) { // one probe per image: an exec costs about as much as a short step
                shell = engine.run(host.container, List.of("sh", "-c", "command -v bash"), Duration.ofSeconds(30))
                                        .exitCode()
                                == 0
                        ? "bash"
                        : "sh";
                shells.put(imageId, shell);
            }
            host.shell = shell;
            long pid = engine.pid(host.container);
            host.cgroup = pid > 0 ? Cgroup.ofProcess(pid).orElse(null) : null;
            ok = true;
            return host;
        } catch (ContainerEngine.EngineException e) {
            throw new StepHost.JobSetupException(e.getMessage());
        } finally {
            if (!ok) host.close();
        }
    }

    /** The job container's mounts: its workspace and step files, and the runner's actions read-only. */
    private List<String> binds(Path workspace, Path filesDir) throws StepHost.JobSetupException {
        List<String> binds = new ArrayList<>(List.of(workspace + ":" + workspace, filesDir + ":" + filesDir));
        for (Path d : actionDirs) {
            try {
                java.nio.file.Files.createDirectories(d); // fetched actions land here during the job
            } catch (java.io.IOException e) {
                throw new StepHost.JobSetupException("cannot create the runner's actions directory " + d + ": " + e);
            }
            binds.add(d + ":" + d + ":ro");
        }
        return binds;
    }

    private void startService(
            Host host,
            String key,
            String name,
            ContainerSpec s,
            Map<String, String> labels,
            Executor.Output out,
            JobControl control)
            throws ContainerEngine.EngineException, StepHost.JobSetupException, InterruptedException {
        InspectImageResponse image = engine.ensureImage(s.image(), s.credentials(), out::line);
        out.line("[runway] starting service '" + name + "' from " + s.image());
        if (!s.ports().isEmpty())
            out.line("[runway] service '" + name + "': ports " + s.ports() + " are not published on the runner's host;"
                    + " steps reach the service as " + name + ":<port>");
        String id = engine.start(new ContainerEngine.ContainerRequest(
                s.image(),
                "runway-" + key + "-" + name,
                labels,
                env(s.env()),
                null,
                null,
                "runway-" + key,
                List.of(name),
                List.of(),
                limits.capping(s.limits()),
                s.user(),
                null));
        host.containers.add(id);
        ContainerSpec.HealthCheck check = s.health() != null ? s.health() : imageHealthCheck(image);
        if (check == null) {
            String state = engine.state(id);
            if (!state.equals("running"))
                throw new StepHost.JobSetupException("service '" + name + "' stopped right after it started: " + state
                        + "; its last log lines:\n" + engine.logs(id, 20));
            out.line("[runway] service '" + name + "' is running (it has no health check)");
            return;
        }
        waitHealthy(id, name, check, out, control);
    }

    /** Runs the health command in the service until it passes, as Docker would, but driven by the agent. */
    private void waitHealthy(
            String id, String name, ContainerSpec.HealthCheck check, Executor.Output out, JobControl control)
            throws ContainerEngine.EngineException, StepHost.JobSetupException, InterruptedException {
        long start = System.nanoTime();
        if (!check.startPeriod().isZero()) Thread.sleep(check.startPeriod());
        String last = "";
        for (int attempt = 1; attempt <= check.retries(); attempt++) {
            if (control.stopped() != null)
                throw new StepHost.JobSetupException("stopped while waiting for service '" + name + "'");
            String state = engine.state(id);
            if (!state.equals("running"))
                throw new StepHost.JobSetupException("service '" + name + "' stopped before it became healthy: " + state
                        + "; its last log lines:\n" + engine.logs(id, 20));
            ContainerEngine.Result r = engine.run(id, List.of("sh", "-c", check.command()), check.timeout());
            if (r.exitCode() == 0) {
                out.line("[runway] service '" + name + "' is healthy (after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms)");
                return;
            }
            last = r.output().strip();
            if (attempt < check.retries()) Thread.sleep(check.interval());
        }
        throw new StepHost.JobSetupException("service '" + name + "' did not become healthy: its health check ("
                + check.command() + ") failed " + check.retries() + " times"
                + (last.isEmpty() ? "" : ", last saying: " + last) + "; its last log lines:\n" + engine.logs(id, 20));
    }

    private static ContainerSpec.HealthCheck imageHealthCheck(InspectImageResponse image) {
        var hc = image.getConfig() == null ? null : image.getConfig().getHealthcheck();
        if (hc == null || hc.getTest() == null || hc.getTest().isEmpty()) return null;
        List<String> test = hc.getTest();
        String cmd = switch (test.get(0)) {
            case "CMD-SHELL" -> test.size() > 1 ? test.get(1) : null;
            case "CMD" -> String.join(" ", test.subList(1, test.size()));
            default -> null; // NONE
        };
        if (cmd == null) return null;
        Duration interval = hc.getInterval() == null || hc.getInterval() == 0
                ? Duration.ofSeconds(1)
                : Duration.ofNanos(Math.min(hc.getInterval(), TimeUnit.SECONDS.toNanos(5)));
        Duration timeout = hc.getTimeout() == null || hc.getTimeout() == 0
                ? Duration.ofSeconds(30)
                : Duration.ofNanos(hc.getTimeout());
        int retries = hc.getRetries() == null || hc.getRetries() == 0 ? 30 : Math.max(hc.getRetries(), 30);
        return new ContainerSpec.HealthCheck(cmd, interval, timeout, retries, Duration.ZERO);
    }

    private static List<String> env(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static Map<String, String> imageEnv(InspectImageResponse image, Map<String, String> containerEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        String[] e = image.getConfig() == null ? null : image.getConfig().getEnv();
        if (e != null) {
            for (String kv : e) {
                int i = kv.indexOf('=');
                if (i > 0) env.put(kv.substring(0, i), kv.substring(i + 1));
            }
        }
        env.putAll(containerEnv);
        return env;
    }

    private final class Host implements StepHost {
        final Map<String, String> labels;
        final List<String> containers = new ArrayList<>();
        String network;
        String networkMode;
        String container;
        String user;
        String shell = "sh";
        Map<String, String> imageEnv = Map.of();
        Cgroup cgroup;
        long oomKillsSeen;

        Host(Map<String, String> labels) {
            this.labels = labels;
        }

        @Override
        public String defaultShell() {
            return shell;
        }

        @Override
        public boolean hostPrograms() {
            return false;
        }

        @Override
        public String containerNetwork() {
            return networkMode;
        }

        @Override
        public Map<String, String> environment(Map<String, String> jobEnv) {
            Map<String, String> env = new LinkedHashMap<>(imageEnv);
            env.putAll(jobEnv);
            return env;
        }

        @Override
        public Running start(List<String> command, Path script, Path cwd, Map<String, String> env, Executor.Output out)
                throws java.io.IOException {
            if (cgroup != null) oomKillsSeen = cgroup.oomKills();
            ContainerEngine.Exec exec;
            try {
                exec = engine.exec(container, command, ContainerHosts.env(env), cwd.toString(), user, out::write);
            } catch (ContainerEngine.EngineException e) {
                throw new java.io.IOException(e.getMessage());
            }
            return new Running() {
                @Override
                public boolean waitFor(long nanos) throws InterruptedException {
                    return exec.await(nanos);
                }

                @Override
                public void kill() {
                    // every process but the container's idle first one: steps run one at a time, so that is the step
                    try {
                        engine.run(container, List.of("sh", "-c", "kill -KILL -1"), Duration.ofSeconds(10));
                    } catch (ContainerEngine.EngineException e) {
                        engine.remove(container); // no shell to kill with: the job ends without its container
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public int exitCode() {
                    return exec.exitCode();
                }

                @Override
                public void finish(boolean exitedByItself) throws InterruptedException {
                    if (!exitedByItself) exec.await(TimeUnit.SECONDS.toNanos(5));
                }
            };
        }

        @Override
        public ResourceUsage usage() {
            if (cgroup != null) return cgroup.usage();
            return container == null
                    ? ResourceUsage.UNKNOWN
                    : new ResourceUsage(engine.cpuSeconds(container), null, false);
        }

        @Override
        public String oomReason() {
            return cgroup == null ? null : cgroup.oomReasonSince(oomKillsSeen, "the job's container");
        }

        @Override
        public void close() {
            for (String c : containers.reversed()) engine.remove(c);
            if (network != null) engine.removeNetwork(network);
            try {
                engine.removeAll(labels); // anything a failed start left half-made
            } catch (RuntimeException e) {
                log.warn("cannot list the job's containers: {}", e.toString());
            }
        }
    }
}
