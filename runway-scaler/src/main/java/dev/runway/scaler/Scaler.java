package dev.runway.scaler;

import dev.runway.protocol.PoolStatus;
import dev.runway.protocol.PoolView;
import dev.runway.protocol.QueueView;
import dev.runway.protocol.RunnerView;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each pool's runners matched to the queue. One pass ({@link #reconcile()}) reads the queue, the runners and
 * the providers' instances, decides per pool ({@link Decider}), starts and stops instances, reaps what is left over,
 * and reports the pool's status to the control plane. {@link #run} repeats it whenever the queue changes (a
 * long-poll on the control plane), and at least every {@code reconcile-every}.
 *
 * <p>State lives in the providers (instances carry labels) and the control plane (runners carry their pool and
 * instance), so a restarted scaler adopts what the previous one started; the in-memory bookkeeping here only adds
 * what is in flight (instances being started or removed) and timing samples.
 */
public final class Scaler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scaler.class);
    /** How long a runner that deregistered (after its job) may take to exit before its instance is removed anyway. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(30);

    static final int SAMPLES = 200;

    private final ScalerConfig config;
    private final ControlPlane api;
    private final Map<String, Provider> providers;
    private final String agentUrl;
    private final List<String> defaultAgentCommand;
    private final InstantSource clock;
    private final ExecutorService work;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final Set<String> removing = ConcurrentHashMap.newKeySet();
    private final Map<String, PoolMemory> memory = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final dev.runway.scaler.github.GitHubBridge github;

    /** An instance this scaler asked for or adopted. */
    private static final class Tracked {
        final String pool;
        final String variant;
        final Instant requestedAt;
        volatile boolean launched;
        volatile long launchedNanos;
        volatile String failure;
        volatile Instant idleSince;
        volatile Instant deregisteredAt;
        volatile boolean sawRunner;
        volatile boolean sampled;

        Tracked(String pool, String variant, Instant requestedAt, boolean launched) {
            this.pool = pool;
            this.variant = variant;
            this.requestedAt = requestedAt;
            this.launched = launched;
        }
    }

    /** Per pool: what was decided last, timing samples, rollout counters. */
    private static final class PoolMemory {
        String lastDecision = "none yet";
        String reason = "the scaler has not looked at this pool yet";
        Instant decidedAt;
        final java.util.ArrayDeque<long[]> samples = new java.util.ArrayDeque<>();
        int started;
        int startedCanary;
        PoolStatus reported;
        Instant reportedAt = Instant.EPOCH;
    }

    /** What one pass decided for one pool (tests and the log read it). */
    public record PoolPass(String pool, Decider.Decision decision, PoolStatus status) {}

    public Scaler(
            ScalerConfig config,
            ControlPlane api,
            Map<String, Provider> providers,
            String agentUrl,
            List<String> defaultAgentCommand,
            InstantSource clock,
            ExecutorService work) {
        this.config = config;
        this.api = api;
        this.providers = providers;
        this.agentUrl = agentUrl;
        this.defaultAgentCommand = defaultAgentCommand;
        this.clock = clock;
        this.work = work;
        this.github = config.pools().stream().anyMatch(p -> p.kind().equals("github"))
                ? new dev.runway.scaler.github.GitHubBridge(api, config.scalerId(), clock, work)
                : null;
    }

    /** Reconciles until {@link #close()}: on every queue change, and at least every {@code reconcile-every}. */
    public void run() {
        String version = null;
        while (!stopped.get()) {
            try {
                version = api.queue(version, config.reconcileEvery()).version(); // the wake-up
                reconcile();
            } catch (IOException | RuntimeException e) {
                if (stopped.get()) return;
                log.warn("reconcile failed (retrying in {}): {}", config.reconcileEvery(), e.getMessage());
                sleep(config.reconcileEvery());
            }
        }
    }

    /**
     * One pass over every pool. The order of the reads matters: runners first, then the queue, then the instances.
     * A job claimed between the first two reads then shows as neither queued nor taken by a busy runner (the pass
     * after corrects that), never as both (which would start a runner for a job that has one). And a runner can only
     * exist after its instance did, so every runner read here has its instance in the listings taken last, or it is
     * really gone.
     */
    public List<PoolPass> reconcile() throws IOException {
        List<RunnerView> runners = api.runners();
        QueueView queue = api.queue(null, Duration.ZERO);
        Map<String, PoolView> views = new HashMap<>();
        for (PoolView v : api.pools()) views.put(v.name(), v);
        Map<String, Integer> queued = assign(queue, views);
        List<PoolPass> passes = new ArrayList<>();
        for (PoolConfig pool : config.pools()) {
            try {
                if (pool.kind().equals("github")) {
                    // GitHub is the control plane of these runners: the bridge serves GitHub's queue
                    passes.add(github.reconcile(pool, providers.get(pool.name()), views.get(pool.name())));
                    continue;
                }
                passes.add(reconcile(pool, queued.getOrDefault(pool.name(), 0), runners, views.get(pool.name())));
            } catch (IOException | RuntimeException e) {
                log.warn("pool {}: {}", pool.name(), e.getMessage());
            }
        }
        return passes;
    }

    /**
     * Each queued job counts for the first pool, in file order, whose labels include all of the job's and that is
     * not drained: two pools that could both take a job never both scale for it.
     */
    Map<String, Integer> assign(QueueView queue, Map<String, PoolView> views) {
        Map<String, Integer> out = new HashMap<>();
        for (QueueView.Group g : queue.groups()) {
            Set<String> want = lower(g.labels());
            for (PoolConfig p : config.pools()) {
                PoolView v = views.get(p.name());
                if (v != null && v.draining() || p.kind().equals("github")) continue;
                if (lower(p.labels()).containsAll(want)) {
                    out.merge(p.name(), g.queued(), Integer::sum);
                    break;
                }
            }
        }
        return out;
    }

    private PoolPass reconcile(PoolConfig pool, int queued, List<RunnerView> allRunners, PoolView view)
            throws IOException {
        Provider provider = providers.get(pool.name());
        Instant now = clock.instant();
        PoolMemory mem = memory.computeIfAbsent(pool.name(), k -> new PoolMemory());
        Map<String, RunnerView> runners = new HashMap<>();
        for (RunnerView r : allRunners)
            if (pool.name().equals(r.pool()) && r.instance() != null) runners.put(r.instance(), r);
        long listedNanos = System.nanoTime();
        List<Instance> instances = provider.list();
        Set<String> listed = new HashSet<>();
        List<Decider.Idle> idle = new ArrayList<>();
        List<String> idleCanary = new ArrayList<>();
        int starting = 0, busy = 0, stopping = 0;
        for (Instance inst : instances) {
            listed.add(inst.name());
            Tracked t = tracked.computeIfAbsent(
                    inst.name(), k -> new Tracked(pool.name(), inst.variant(), inst.createdAt(), true));
            t.launched = true;
            if (removing.contains(inst.name())) continue; // counted below
            RunnerView r = runners.get(inst.name());
            if (r != null) {
                t.sawRunner = true;
                sample(mem, t, r);
                if (!inst.running()) {
                    remove(pool, inst.name(), r.id(), "its instance ended (" + inst.detail() + ")");
                } else if ("busy".equals(r.state())) {
                    busy++;
                    t.idleSince = null;
                } else if ("idle".equals(r.state())) {
                    if (t.idleSince == null) t.idleSince = now;
                    idle.add(new Decider.Idle(inst.name(), t.idleSince));
                    if ("canary".equals(t.variant)) idleCanary.add(inst.name());
                } else {
                    // unhealthy or offline: replace it (if it is not running a job)
                    stopIdle(
                            pool,
                            inst.name(),
                            r,
                            "runner is " + r.state() + (r.unhealthyReason() == null ? "" : ": " + r.unhealthyReason()));
                }
            } else if (!inst.running()) {
                remove(
                        pool,
                        inst.name(),
                        null,
                        t.sawRunner ? "finished" : "exited before its runner registered (" + inst.detail() + ")");
            } else if (t.sawRunner) {
                // deregistered (an ephemeral runner after its job) and still exiting
                if (t.deregisteredAt == null) t.deregisteredAt = now;
                if (t.deregisteredAt.plus(EXIT_GRACE).isAfter(now)) stopping++;
                else
                    remove(
                            pool,
                            inst.name(),
                            null,
                            "its runner deregistered " + EXIT_GRACE.toSeconds() + "s ago and it has not exited");
            } else if (!t.requestedAt.plus(pool.registerTimeout()).isAfter(now)) {
                remove(
                        pool,
                        inst.name(),
                        null,
                        "orphan: its runner never registered within " + Decider.human(pool.registerTimeout()));
            } else {
                starting++;
            }
        }
        // on their way out (removal in progress, or decided just now)
        for (String name : listed) if (removing.contains(name)) stopping++;
        // being started (not listed yet), or failed to start
        for (var e : tracked.entrySet()) {
            Tracked t = e.getValue();
            if (!t.pool.equals(pool.name()) || listed.contains(e.getKey())) continue;
            if (t.failure != null
                    || (t.launched && t.launchedNanos - listedNanos < 0 && !removing.contains(e.getKey()))) {
                tracked.remove(e.getKey()); // start failed, or gone from the provider since: forget it
            } else if (!removing.contains(e.getKey())) {
                // not started yet, or started after the listing began (the listing may have missed it): either way
                // it counts against max until a listing shows it
                starting++;
            }
        }
        // runners whose instance is gone (removed by hand, or lost with the host): they will never poll again
        for (RunnerView r : runners.values()) {
            if (!listed.contains(r.instance()) && !tracked.containsKey(r.instance())) {
                log.info(
                        "pool {}: removing runner {} ({}): its instance {} is gone",
                        pool.name(),
                        r.name(),
                        r.id(),
                        r.instance());
                api.deleteRunner(r.id());
            }
        }
        boolean draining = view != null && view.draining();
        String canaryState = view == null ? null : view.canary();
        Decider.Decision d = Decider.decide(new Decider.Inputs(
                queued, idle, starting, busy, stopping, pool.minIdle(), pool.max(), pool.idleTimeout(), draining, now));
        List<String> stop = new ArrayList<>(d.stop());
        String reason = d.reason();
        if ("rolled-back".equals(canaryState) && !idleCanary.isEmpty()) {
            for (String c : idleCanary) if (!stop.contains(c)) stop.add(c);
            reason += "; canary rolled back: stopping " + idleCanary.size() + " idle canary runner(s)";
        }
        for (String name : stop) {
            RunnerView r = runners.get(name);
            if (r != null) stopIdle(pool, name, r, "idle: " + d.summary());
        }
        for (int i = 0; i < d.start(); i++) launch(pool, mem, canaryState);
        if (d.changes() || !d.summary().equals(mem.lastDecision)) {
            if (d.changes()) log.info("pool {}: {} ({})", pool.name(), d.summary(), reason);
            mem.lastDecision = d.summary();
            mem.decidedAt = now;
        }
        mem.reason = reason;
        PoolStatus status = new PoolStatus(
                pool.provider(),
                pool.labels(),
                pool.minIdle(),
                pool.max(),
                pool.ephemeral(),
                queued,
                idle.size(),
                busy,
                starting + d.start(),
                stopping,
                mem.lastDecision,
                mem.reason,
                mem.decidedAt,
                provisioning(mem),
                pool.canary() == null
                        ? null
                        : new PoolStatus.Canary(
                                pool.canary().agent().version(),
                                "promoted".equals(canaryState)
                                        ? 100
                                        : "rolled-back".equals(canaryState)
                                                ? 0
                                                : pool.canary().percent()));
        // unchanged figures are reported at most every reconcile-every (a burst wakes many passes)
        if (!status.equals(mem.reported)
                || !mem.reportedAt.plus(config.reconcileEvery()).isAfter(now)) {
            api.report(pool.name(), status);
            mem.reported = status;
            mem.reportedAt = now;
        }
        return new PoolPass(pool.name(), new Decider.Decision(d.start(), stop, d.summary(), reason), status);
    }

    /** Provisioning samples: request → runner registered, request → first job started. */
    private void sample(PoolMemory mem, Tracked t, RunnerView r) {
        if (t.sampled || r.firstJobAt() == null || t.requestedAt == null) return;
        t.sampled = true;
        synchronized (mem) {
            mem.samples.addLast(new long[] {
                Duration.between(t.requestedAt, r.createdAt()).toMillis(),
                Duration.between(t.requestedAt, r.firstJobAt()).toMillis()
            });
            while (mem.samples.size() > SAMPLES) mem.samples.removeFirst();
        }
    }

    private static PoolStatus.Provisioning provisioning(PoolMemory mem) {
        List<long[]> s;
        synchronized (mem) {
            s = List.copyOf(mem.samples);
        }
        if (s.isEmpty()) return null;
        long[] ready = s.stream().mapToLong(a -> a[0]).sorted().toArray();
        long[] job = s.stream().mapToLong(a -> a[1]).sorted().toArray();
        return new PoolStatus.Provisioning(s.size(), pct(ready, 50), pct(ready, 95), pct(job, 50), pct(job, 95));
    }

    static long pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private void stopIdle(PoolConfig pool, String instance, RunnerView r, String why) throws IOException {
        ControlPlane.Retire res = api.retire(r.id());
        if (res == ControlPlane.Retire.BUSY) return; // it took a job in the meantime: keep it
        remove(pool, instance, null, why);
    }

    private void remove(PoolConfig pool, String instance, String runnerId, String why) {
        if (!removing.add(instance)) return;
        log.info("pool {}: removing {}: {}", pool.name(), instance, why);
        work.submit(() -> {
            try {
                if (runnerId != null) api.deleteRunner(runnerId);
                providers.get(pool.name()).remove(instance);
                tracked.remove(instance);
            } catch (IOException | RuntimeException e) {
                log.warn("pool {}: could not remove {} (will retry): {}", pool.name(), instance, e.getMessage());
            } finally {
                removing.remove(instance);
            }
        });
    }

    private void launch(PoolConfig pool, PoolMemory mem, String canaryState) {
        boolean canary;
        synchronized (mem) {
            canary = pool.canary() != null
                    && !"rolled-back".equals(canaryState)
                    && ("promoted".equals(canaryState)
                            || (mem.startedCanary + 1) * 100 <= pool.canary().percent() * (mem.started + 1));
            mem.started++;
            if (canary) mem.startedCanary++;
        }
        String variant = canary ? "canary" : "stable";
        String name = pool.name() + "-" + Long.toString(clock.millis(), 36) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
        Tracked t = new Tracked(pool.name(), variant, clock.instant(), false);
        tracked.put(name, t);
        work.submit(() -> {
            try {
                String token = api.registrationToken(
                        pool.name(), name, variant, pool.registerTimeout().plusMinutes(1));
                providers.get(pool.name()).start(launchOf(pool, name, variant, token));
                t.launchedNanos = System.nanoTime();
                t.launched = true;
            } catch (IOException | RuntimeException e) {
                t.failure = e.getMessage();
                log.warn("pool {}: could not start {}: {}", pool.name(), name, e.getMessage());
            }
        });
    }

    /** The instance for a runway pool: the agent, told its control plane, name, labels and single-use token. */
    Launch launchOf(PoolConfig pool, String name, String variant, String token) {
        PoolConfig.Agent a = agentOf(pool, variant);
        boolean process = pool.provider().equals("process");
        List<String> command = new ArrayList<>(
                a.command() != null ? a.command() : process ? defaultAgentCommand : List.of("runway", "agent"));
        command.addAll(List.of("--url", agentUrl, "--name", name, "--labels", String.join(",", pool.labels())));
        if (pool.ephemeral()) command.add("--ephemeral");
        command.addAll(a.args());
        Map<String, String> env = new LinkedHashMap<>(a.env());
        env.put("RUNWAY_REGISTRATION_TOKEN", token);
        return new Launch(
                name,
                pool.name(),
                variant,
                a.image(),
                command,
                env,
                Labels.of(config.scalerId(), pool.name(), name, variant));
    }

    /** The pool's agent settings, with the canary's over them for a canary instance. */
    static PoolConfig.Agent agentOf(PoolConfig pool, String variant) {
        PoolConfig.Agent a = pool.agent();
        if (!"canary".equals(variant) || pool.canary() == null) return a;
        PoolConfig.Agent c = pool.canary().agent();
        Map<String, String> env = new LinkedHashMap<>(a.env());
        env.putAll(c.env());
        return new PoolConfig.Agent(
                c.version() != null ? c.version() : a.version(),
                c.image() != null ? c.image() : a.image(),
                c.command() != null ? c.command() : a.command(),
                c.args().isEmpty() ? a.args() : c.args(),
                env);
    }

    private static Set<String> lower(List<String> labels) {
        Set<String> s = new HashSet<>();
        for (String l : labels) s.add(l.strip().toLowerCase(Locale.ROOT));
        return s;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d); // a back-off after a failure, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped.set(true);
        }
    }

    /** Stops reconciling; instances keep running (a restarted scaler adopts them). */
    @Override
    public void close() {
        stopped.set(true);
        work.shutdown();
    }
}
