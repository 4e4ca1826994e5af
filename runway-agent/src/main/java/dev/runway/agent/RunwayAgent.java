package dev.runway.agent;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerClient;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.ContainerHosts;
import dev.runway.agent.container.EngineActionContainers;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.Isolation;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.logs.LogBatcher;
import dev.runway.agent.metrics.AgentMetrics;
import dev.runway.agent.metrics.HostResources;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.LogContext;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One runner agent: registers (or reuses its saved credential), then runs one poll loop per slot. A loop never
 * dies from an exception: it backs off with jitter and polls again. {@link #shutdown()} stops polling, lets
 * running jobs finish within the grace period and cancels the rest.
 */
public final class RunwayAgent {
    private static final Logger log = LoggerFactory.getLogger(RunwayAgent.class);
    public static final String VERSION = dev.runway.protocol.RunwayVersion.CURRENT;

    /** Exit codes of {@link #run()}. */
    public static final int EXIT_OK = 0;

    public static final int EXIT_REGISTRATION_FAILED = 1;
    public static final int EXIT_CREDENTIAL_REJECTED = 2;

    private final AgentConfig config;
    /** The runner's calls (runner credential): register, poll, release, health... */
    private final RunnerCalls client;
    /** The calls of the attempts this agent runs (each with its job token). */
    private final JobCalls jobCalls;

    private final Map<String, String> environment;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<Thread> polling = ConcurrentHashMap.newKeySet();
    private final Set<JobRun> running = ConcurrentHashMap.newKeySet();
    /** The lease watchdog outside the JVM, while the slots run (null before, or where bash cannot start). */
    private volatile DeadMansSwitch deadMan;

    private volatile boolean stopping;
    /** How often a stopping agent repeats its release while a poll is still held (one may have raced the first). */
    static final long RELEASE_AGAIN_NANOS = 1_000_000_000L;

    private volatile int exitCode = EXIT_OK;
    /** The runner credential: saved, registered for, rotated. */
    private final RunnerIdentity identity;
    /** Renews the leases of all running attempts in one call a heartbeat interval. */
    private final LeaseRenewer renewer;
    /** Joins the log chunks of all running attempts into one upload. */
    private final LogBatcher logs;

    public RunwayAgent(AgentConfig config) {
        this(config, java.util.List.of(config.serverUrl()));
    }

    /** Over several control planes, tried in turn ({@code --url A,B}): {@code urls} includes the config's. */
    public RunwayAgent(AgentConfig config, List<java.net.URI> urls) {
        this(config, dev.runway.agent.client.Failover.over(urls), System.getenv());
        this.where = urls.size() == 1 ? urls.get(0).toString() : urls.toString();
    }

    public RunwayAgent(AgentConfig config, ServerClient client, Map<String, String> environment) {
        this(config, client, client, environment, Seams.REAL);
    }

    /**
     * What the agent reads the time, free disk space and its waits from: real ones in production, given ones in
     * tests so they can step one slot's loop ({@link #pollOnce}) without waiting or filling a disk.
     *
     * @param backoffs a fresh backoff for each retried call (a slot's polls, registration, an attempt's log and
     *     completion)
     * @param clock wall time: when the credential is due for rotation, when one was issued
     * @param freeSpace the usable bytes of the work directory's file system
     * @param diskRecheck how long a slot waits before it looks at a full disk again
     */
    record Seams(
            java.util.function.Supplier<Backoff> backoffs,
            java.time.Clock clock,
            java.util.function.ToLongFunction<java.nio.file.Path> freeSpace,
            java.time.Duration diskRecheck) {
        static final Seams REAL =
                new Seams(Backoff::standard, java.time.Clock.systemUTC(), DiskGuard::usableSpace, DISK_RECHECK);
    }

    RunwayAgent(
            AgentConfig config, RunnerCalls client, JobCalls jobCalls, Map<String, String> environment, Seams seams) {
        this.config = config;
        this.client = client;
        this.jobCalls = jobCalls;
        this.backoffs = seams.backoffs();
        this.clock = seams.clock();
        this.identity = new RunnerIdentity(config, client, backoffs, clock, () -> where);
        this.renewer = new LeaseRenewer(client, jobCalls, identity::credential, System::nanoTime);
        this.logs = new LogBatcher(client, jobCalls, identity::credential);
        this.environment = environment;
        this.disk = new DiskGuard(config.workDir(), config.minFreeDiskBytes(), seams.freeSpace());
        this.diskRecheck = seams.diskRecheck();
        this.area = WorkArea.of(config.workDir());
        this.where = String.valueOf(config.serverUrl());
        this.host = new HostResources(config.workDir());
        this.metrics = new AgentMetrics(
                config.ephemeral() ? 1 : Math.max(1, config.slots()),
                running::size,
                () -> disk.problem() == null,
                host);
    }

    static final java.time.Duration DISK_RECHECK = java.time.Duration.ofSeconds(5);
    private final DiskGuard disk;
    /** The agent's own folder in the work dir: workspaces, spools, step records (see {@link WorkArea}). */
    private final java.nio.file.Path area;
    /** The control plane(s) this agent talks to, for messages. */
    private String where;

    private final java.time.Duration diskRecheck;
    private final java.util.function.Supplier<Backoff> backoffs;
    private final java.time.Clock clock;
    private final Object healthLock = new Object();
    private String reportedHealth = "unreported";
    private final HostResources host;
    private final AgentMetrics metrics;

    /**
     * Registers (or reuses the saved credential), then polls and runs jobs until {@link #shutdown()} is called
     * or, with {@code ephemeral}, one job has run. Returns the process exit code (0 on a clean stop).
     */
    public int run() {
        try {
            return prepareAndRun();
        } finally {
            stopped.countDown(); // also when it never got to run: a shutdown must not wait for it
        }
    }

    private int prepareAndRun() {
        Executor executor;
        try {
            executor = executor();
        } catch (RuntimeException e) {
            log.error("cannot prepare the agent: {}", e.getMessage());
            return EXIT_REGISTRATION_FAILED;
        }
        try {
            WorkArea.claim(config.workDir());
            int reaped = executor.reapLeftovers();
            int removed = Workspaces.removeLeftovers(area);
            if (reaped + removed > 0)
                log.info(
                        "cleaned up after a previous run: {} process group(s), cgroup(s) or container(s), {}"
                                + " workspace(s)",
                        reaped,
                        removed);
            if (config.isolation().onHost()) discoverTools();
        } catch (IOException e) {
            log.error("cannot prepare the agent: {}", e.getMessage() != null ? e.getMessage() : e.toString());
            return EXIT_REGISTRATION_FAILED;
        }
        if (!signIn()) return EXIT_REGISTRATION_FAILED;
        // every line from here on is this runner's, on every thread it starts (MDC is per thread)
        try (LogContext ignored = LogContext.runner(identity.current().runnerId())) {
            return runSlots(executor);
        }
    }

    /**
     * Fills the tool cache from what the host has, for the tools it holds nothing of yet: JDKs at once (reading
     * files), node, go, python3 and mvn in the background (each is run once for its version).
     */
    private void discoverTools() throws IOException {
        if (config.toolCache() == null) return;
        dev.runway.agent.tools.ToolCache cache = new dev.runway.agent.tools.ToolCache(config.toolCache());
        Files.createDirectories(cache.root());
        String path = environment.get("PATH");
        if (cache.list("java").isEmpty()) {
            dev.runway.agent.tools.ToolDiscovery.discover(
                    cache, java.nio.file.Path.of("/usr/lib/jvm"), null); // no PATH: JDKs only
        }
        Thread.ofVirtual().name("tool-discovery").start(LogContext.wrap(() -> {
            dev.runway.agent.tools.ToolDiscovery.discover(cache, java.nio.file.Path.of("/nonexistent"), path);
            try {
                log.info(
                        "tool cache {}: {}",
                        cache.root(),
                        cache.list().stream()
                                .map(e -> e.tool() + " " + e.version())
                                .toList());
            } catch (IOException e) {
                log.warn("tool cache {}: {}", cache.root(), e.toString());
            }
        }));
    }

    /**
     * Takes the saved runner credential, or registers with the registration token and saves the one it gets (what
     * {@link #run()} does before its slots poll); false, having said why, when neither works.
     */
    boolean signIn() {
        try {
            identity.signIn(() -> stopping);
            return true;
        } catch (RunnerIdentity.RegistrationFailed e) {
            log.error("{}", e.getMessage());
        } catch (IOException e) {
            log.error("cannot prepare the agent: {}", e.getMessage() != null ? e.getMessage() : e.toString());
        }
        return false;
    }

    private int runSlots(Executor executor) {
        int slots = config.ephemeral() ? 1 : Math.max(1, config.slots());
        log.info(
                "runner '{}' ({}) ready: labels {}, {} slot(s){}",
                identity.current().name(),
                identity.current().runnerId(),
                config.labels(),
                slots,
                config.ephemeral() ? ", ephemeral" : "");
        Map<String, String> baseEnv = baseEnvironment();
        Thread reporter = Thread.ofVirtual().name("health-report").start(LogContext.wrap(this::reportLoop));
        Thread renewals = LeaseThreads.start("lease-renewer", renewer::run);
        java.nio.file.Path engineSocket = ContainerEngine.socket(config.engine());
        deadMan = DeadMansSwitch.start(
                area.resolve(".dead-mans-switch"),
                this::soonestLeaseDeadline,
                () -> {
                    for (JobRun j : running) j.lose(JobRun.STOPPED_BY_SWITCH);
                },
                engineSocket == null ? null : new DeadMansSwitch.Containers(engineSocket, config.agentKey()));
        List<Thread> loops = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            Slot slot = slot(executor, baseEnv);
            loops.add(Thread.ofVirtual().name("slot-" + i).start(LogContext.wrap(() -> slotLoop(slot))));
        }
        for (Thread t : loops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        reporter.interrupt();
        renewals.interrupt();
        if (deadMan != null) deadMan.close();
        if (config.ephemeral() && exitCode == EXIT_OK) identity.deregister();
        stopped.countDown();
        return exitCode;
    }

    /** The environment every job starts from, before its own. */
    private Map<String, String> baseEnvironment() {
        // a container starts from its image's environment: nothing of the host's goes in
        Map<String, String> env = config.isolation().onHost() ? JobExecutor.baseEnvironment(environment) : Map.of();
        if (config.isolation().onHost() && config.toolCache() != null) {
            env = new java.util.HashMap<>(env);
            env.put("RUNNER_TOOL_CACHE", config.toolCache().toString());
            env.put("AGENT_TOOLSDIRECTORY", config.toolCache().toString());
        }
        env = new java.util.HashMap<>(env);
        env.put("RUNNER_NAME", identity.current().name()); // and runner.name
        return Map.copyOf(env);
    }

    /** How long the running attempts may go on unrenewed: the soonest of their deadlines, from now. */
    private long soonestLeaseDeadline() {
        long soonest = Long.MAX_VALUE;
        for (JobRun j : running) soonest = Math.min(soonest, j.leaseRemainingNanos());
        return soonest;
    }

    private Executor executor() {
        String key = config.agentKey();
        // Docker actions run on the engine under every executor; connected at the first one outside containers
        ContainerEngine engine =
                config.isolation() == Isolation.CONTAINER ? ContainerEngine.connect(config.engine()) : null;
        ActionContainers containers = engine != null
                ? new EngineActionContainers(engine, config.limits(), key)
                : new EngineActionContainers(config.engine(), config.limits(), key);
        StepHost.Factory hosts = switch (config.isolation()) {
            case CONTAINER ->
                new ContainerHosts(engine, config.image(), config.limits(), key, config.network(), config.actionDirs());
            case SANDBOX ->
                new ProcessHosts(
                        new StepTracker(area),
                        Sandbox.bubblewrap(
                                List.of(
                                        config.workDir(),
                                        config.credentialFile().getParent()),
                                config.network(),
                                config.sandboxReadable(),
                                config.sandbox(),
                                ContainerEngine.socket(config.engine())),
                        config.limits(),
                        key + "-",
                        true);
            case HOST -> new ProcessHosts(new StepTracker(area), Sandbox.HOST, config.limits(), key + "-", true);
        };
        return new JobExecutor(hosts, config.actionSources(), containers).withHooks(config.hooks());
    }

    /** What one pass of a slot's loop came to ({@link #pollOnce}). */
    enum Pass {
        /** The poll was answered with nothing (or cut short): poll again. */
        IDLE,
        /** A job was run to its end. */
        RAN_JOB,
        /** The poll failed; the slot waited its backoff before the next. */
        BACKED_OFF,
        /** Too little disk space: the slot waited before looking again, and took no job. */
        NO_DISK,
        /** The slot is done: the agent stops, its credential was refused, or its one ephemeral job ran. */
        STOP
    }

    /** One of the agent's slots: its backoff between failed polls, and what the jobs it takes run with. */
    static final class Slot {
        final Backoff backoff;
        final JobRun.Shared jobs;

        Slot(Backoff backoff, JobRun.Shared jobs) {
            this.backoff = backoff;
            this.jobs = jobs;
        }
    }

    /** A slot whose jobs run on {@code executor}, starting from {@code baseEnv}. */
    Slot slot(Executor executor, Map<String, String> baseEnv) {
        return new Slot(
                backoffs.get(),
                new JobRun.Shared(
                        jobCalls,
                        logs,
                        renewer,
                        executor,
                        area,
                        baseEnv,
                        config.secrets(),
                        this::stoppedSince,
                        backoffs));
    }

    /** Whether the dead man's switch stopped the agent's steps at or after {@code since} (wall clock, ms). */
    private boolean stoppedSince(long since) {
        DeadMansSwitch d = deadMan;
        return d != null && d.stoppedSince(since);
    }

    /** Runs passes of {@code slot} until one says stop. */
    void slotLoop(Slot slot) {
        while (pollOnce(slot) != Pass.STOP) {
            // each pass waits on its own: the held poll, the backoff, or the disk check
        }
    }

    /**
     * One pass of a slot: rotates the credential when due, checks the disk, polls once (held by the control plane up
     * to {@link AgentConfig#pollWait()}) and runs the job that came. A failed poll waits the slot's backoff, which
     * the next answered poll resets; a refused credential stops the agent with {@link #EXIT_CREDENTIAL_REJECTED}.
     */
    Pass pollOnce(Slot slot) {
        if (stopping) return Pass.STOP;
        identity.rotateIfDue();
        if (!healthy()) return waitForDisk() ? Pass.NO_DISK : Pass.STOP;
        Optional<Assignment> next;
        long polledAt = System.nanoTime(); // the lease of what comes runs from no earlier
        polling.add(Thread.currentThread());
        try {
            if (stopping) return Pass.STOP;
            polledAt = System.nanoTime();
            next = client.poll(identity.credential(), (int) config.pollWait().toSeconds());
            slot.backoff.reset();
        } catch (ServerException e) {
            if (e.unauthorized()) {
                log.error(
                        "the control plane rejected this runner's credential ({}). The runner was deleted or its credential"
                                + " revoked: delete {} and register again with a new registration token.",
                        e.getMessage(),
                        config.credentialFile());
                exitCode = EXIT_CREDENTIAL_REJECTED;
                stopping = true;
                polling.forEach(Thread::interrupt);
                return Pass.STOP;
            }
            return pause(slot.backoff, e) ? Pass.BACKED_OFF : Pass.STOP;
        } catch (IOException e) {
            return pause(slot.backoff, e) ? Pass.BACKED_OFF : Pass.STOP;
        } catch (InterruptedException e) {
            return stopping ? Pass.STOP : Pass.IDLE;
        } catch (RuntimeException e) {
            log.error("unexpected error while polling", e);
            return pause(slot.backoff, e) ? Pass.BACKED_OFF : Pass.STOP;
        } finally {
            polling.remove(Thread.currentThread());
            Thread.interrupted(); // a shutdown interrupt meant for the poll must not hit the job
        }
        if (next.isEmpty()) return Pass.IDLE;
        runJob(new JobRun(next.get(), slot.jobs, polledAt));
        if (config.ephemeral()) {
            stopping = true;
            return Pass.STOP;
        }
        return Pass.RAN_JOB;
    }

    private void runJob(JobRun job) {
        running.add(job);
        long jobStart = System.nanoTime();
        try {
            job.run();
        } catch (RuntimeException e) {
            log.error("job {} crashed the runner loop; continuing", job.jobId(), e);
        } finally {
            running.remove(job);
        }
        CompleteRequest outcome = job.completed();
        if (outcome != null)
            metrics.jobFinished(outcome.result(), (System.nanoTime() - jobStart) / 1e9, outcome.secretsMasked());
    }

    /** The exit code {@link #run()} returns once the slots are done. */
    int exitCode() {
        return exitCode;
    }

    /**
     * Checks the disk before taking a job and tells the control plane when the answer changes. While space is
     * short, it removes what no running job needs (old workspaces and spool files) and answers false.
     */
    private boolean healthy() {
        String problem = disk.problem();
        synchronized (healthLock) {
            String state = problem == null ? "" : problem;
            if (problem != null) {
                java.util.Set<String> keep = new java.util.HashSet<>();
                running.forEach(j -> keep.add(j.key()));
                int removed = Workspaces.removeStale(area, keep);
                if (removed > 0) log.info("low on disk: removed {} old workspace(s) and spool file(s)", removed);
            }
            if (!state.equals(reportedHealth)) {
                if (problem != null) {
                    log.warn("{}", problem);
                } else if (!reportedHealth.equals("unreported")) {
                    log.info("disk space is back; taking jobs again");
                }
                try {
                    client.health(
                            identity.credential(),
                            new dev.runway.protocol.RunnerHealth(problem == null, problem, host.latest()));
                    reportedHealth = state;
                } catch (IOException | RuntimeException e) {
                    log.warn("cannot report this runner's health: {}", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return problem == null;
    }

    /**
     * Reports health with what the host uses every {@link dev.runway.protocol.RunnerHealth#REPORT_SECONDS} seconds
     * (SLIs M5–M7 on the control plane), until the agent stops. A failed report is tried again next time.
     */
    private void reportLoop() {
        host.sample(); // CPU needs two samples: the first report carries a figure
        while (!stopping) {
            try {
                Thread.sleep(java.time.Duration.ofSeconds(dev.runway.protocol.RunnerHealth.REPORT_SECONDS));
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) return;
            var resources = host.sample();
            String problem = disk.problem();
            try {
                client.health(
                        identity.credential(),
                        new dev.runway.protocol.RunnerHealth(problem == null, problem, resources));
            } catch (IOException | RuntimeException e) {
                log.debug("cannot report this runner's health and resources: {}", e.toString());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** This agent's metrics (served by {@code runway agent --metrics-port}). */
    public AgentMetrics metrics() {
        return metrics;
    }

    private boolean waitForDisk() {
        long until = System.nanoTime() + diskRecheck.toNanos();
        while (!stopping && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(100, diskRecheck.toMillis())); // waiting for disk space, checking for a stop
            } catch (InterruptedException e) {
                if (stopping) return false;
            }
        }
        return !stopping;
    }

    private boolean pause(Backoff backoff, Exception e) {
        if (stopping) return false;
        log.warn("cannot reach the control plane at {} ({}); retrying", where, e.toString());
        try {
            backoff.pause();
            return true;
        } catch (InterruptedException ie) {
            return !stopping;
        }
    }

    /** Graceful stop (SIGTERM): take no new jobs, let running ones finish within the grace period, then cancel them. */
    public void shutdown() {
        if (stopping && stopped.getCount() == 0) return;
        stopping = true;
        // Ask the control plane to end our held polls: cutting the connection ourselves could drop a job it
        // claimed for us in that instant (it would come back only when its lease expired). If the control plane
        // cannot be reached, no claim can be in flight either, and interrupting is safe.
        try {
            if (identity.current() != null) client.release(identity.credential());
            else polling.forEach(Thread::interrupt);
        } catch (IOException | RuntimeException e) {
            polling.forEach(Thread::interrupt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            polling.forEach(Thread::interrupt);
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        long nextRelease = System.nanoTime() + RELEASE_AGAIN_NANOS;
        while ((!running.isEmpty() || !polling.isEmpty()) && System.nanoTime() < deadline) {
            // a poll sent just before the release may reach the control plane after it and be held: ask again
            if (!polling.isEmpty() && identity.current() != null && System.nanoTime() > nextRelease) {
                try {
                    client.release(identity.credential());
                } catch (IOException | RuntimeException e) {
                    polling.forEach(Thread::interrupt);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                nextRelease = System.nanoTime() + RELEASE_AGAIN_NANOS;
            }
            try {
                if (stopped.await(100, TimeUnit.MILLISECONDS)) return;
            } catch (InterruptedException e) {
                break;
            }
        }
        for (JobRun j : running) j.control.cancel("agent shutting down");
    }

    /** Waits until {@link #run()} has returned. */
    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }
}
