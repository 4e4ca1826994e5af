package dev.runway.scaler.github;

import dev.runway.protocol.GitHubWorkflowJobView;
import dev.runway.protocol.PoolStatus;
import dev.runway.protocol.PoolView;
import dev.runway.scaler.Decider;
import dev.runway.scaler.Scaler;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools of {@code kind: github}: GitHub stays the control plane, and this starts GitHub's own runner, configured just
 * in time for one job, in the pool's provider (a process, a container of {@code ghcr.io/actions/actions-runner}, a
 * pod).
 *
 * <p>It learns of jobs from the {@code workflow_job} webhooks the control plane recorded ({@code GET
 * /api/v1/github/workflow-jobs}, read from an in-memory cursor; on start, the last hour). A {@code queued} job whose
 * labels are all among the pool's (and whose repository is the pool's repository, or in its organisation) counts as
 * queued for the pool, and the {@link Decider same rule as runway pools} decides how many runners to start, up to
 * {@code max}; nothing starts while the pool is drained. Each runner is named after the pool and the job it was
 * started for ({@code <pool>-<job id>}), so a restarted scaler, or a webhook delivered twice, finds the runner already
 * there instead of starting a second. GitHub may hand that runner another queued job with the same labels: the
 * counts, not the names, keep one runner per queued job.
 *
 * <p>Runners end in several ways, each handled: the {@code completed} event names the runner (its instance is
 * removed); a just-in-time runner exits after its one job (exited instances are removed); GitHub deletes the runner
 * after its job (an instance whose runner GitHub no longer lists, past {@code register-timeout}, is removed); a runner
 * that never comes online within {@code register-timeout}, or is idle past {@code idle-timeout} with nothing queued,
 * is deleted from GitHub (refused while it runs a job) and removed. A GitHub runner named like the pool's with no
 * instance (a scaler that stopped between asking GitHub and starting the instance) is deleted from GitHub.
 *
 * <p>GitHub's runner list is read at most every {@code listEvery} (each call counts against the token's hourly
 * quota); events alone are enough to start runners for new jobs. One scaler per pool name and repository: a second
 * scaler with the same pool names would take the first one's runners for orphans.
 */
public final class GitHubBridge {
    private static final Logger log = LoggerFactory.getLogger(GitHubBridge.class);

    /** How far back a starting scaler reads events: queued jobs older than this are not served after a restart. */
    static final Duration READ_BACK = Duration.ofHours(1);
    /**
     * Each read starts this far before the newest event seen: an event recorded with an earlier time but committed
     * later (two deliveries at once) is still read; repeats are dropped by delivery id.
     */
    static final long OVERLAP_MS = 30_000;

    static final int PAGE = 500;
    static final int MAX_PAGES_PER_PASS = 20;
    /** Runners started for one job that ended before running any job, after which the job is given up on. */
    static final int ATTEMPTS = 3;

    static final int NAMES_PER_JOB = 10;
    /** Jobs GitHub has not finished are forgotten after this long (GitHub cancels a job queued for 24 hours). */
    static final Duration FORGET_AFTER = Duration.ofHours(25);

    static final Duration DEFAULT_LIST_EVERY = Duration.ofSeconds(30);
    /**
     * The actions runner takes any of its options from {@code ACTIONS_RUNNER_INPUT_<OPTION>}: this one is {@code
     * run.sh --jitconfig}. An environment variable rather than an argument, because arguments are readable by every
     * process on the host and the configuration holds the runner's credentials; the runner clears it before running
     * the job's steps.
     */
    public static final String JIT_CONFIG_ENV = "ACTIONS_RUNNER_INPUT_JITCONFIG";
    /** {@code run.sh} of the actions-runner image ({@code ghcr.io/actions/actions-runner}, user runner). */
    public static final List<String> DEFAULT_COMMAND = List.of("/home/runner/run.sh");

    public static final String DEFAULT_IMAGE = "ghcr.io/actions/actions-runner:latest";
    static final String WORK_FOLDER = "_work";

    private static final int WAITING = 0;
    private static final int QUEUED = 1;
    private static final int IN_PROGRESS = 2;
    private static final int COMPLETED = 3;

    private final ControlPlane api;
    private final String scalerId;
    private final InstantSource clock;
    private final ExecutorService work;
    private final Duration listEvery;

    // events, shared by every GitHub pool (guarded by this.events)
    private final Object events = new Object();
    private long cursor = -1;
    private final Map<String, Long> seen = new HashMap<>();
    private final Map<Long, Job> jobs = new HashMap<>();
    /** Runner name → when GitHub said its job completed. */
    private final Map<String, Long> finished = new HashMap<>();
    /** Runner name → the job GitHub says it is running. */
    private final Map<String, Long> running = new HashMap<>();

    /** Job id → the pool that counts it (the first to see it), so two pools that could take it never both scale. */
    private final Map<Long, String> claims = new ConcurrentHashMap<>();
    /** Instance name → pool: asked GitHub for a configuration, the instance not started yet. */
    private final Map<String, String> starting = new ConcurrentHashMap<>();

    private final Set<String> removing = ConcurrentHashMap.newKeySet();
    private final Map<String, PoolMemory> memory = new ConcurrentHashMap<>();
    private final Map<PoolConfig.GitHub, GitHubApi> apis = new ConcurrentHashMap<>();

    /** A workflow job as the events told it. */
    private static final class Job {
        final long id;
        final String repository;
        final Set<String> labels;
        int state = -1;
        long queuedAt = Long.MAX_VALUE;
        long updatedAt;
        String runnerName;

        Job(long id, String repository, Set<String> labels) {
            this.id = id;
            this.repository = repository;
            this.labels = labels;
        }
    }

    /** Per pool: GitHub's last runner list, timings, starts per job, the last decision. */
    private static final class PoolMemory {
        volatile Map<String, GitHubApi.Runner> runners = Map.of();
        volatile Instant listedAt;
        /** Instance → the job it was started for. */
        final Map<String, Long> startedFor = new ConcurrentHashMap<>();
        /** Job → runners started for it that ended (or failed to start) before running any job. */
        final Map<Long, Integer> failures = new ConcurrentHashMap<>();

        final Set<Long> gaveUp = ConcurrentHashMap.newKeySet();
        final Map<String, Instant> requestedAt = new ConcurrentHashMap<>();
        final Map<String, Instant> onlineAt = new ConcurrentHashMap<>();
        final Map<String, Instant> idleSince = new ConcurrentHashMap<>();
        final Map<String, Instant> offlineSince = new ConcurrentHashMap<>();
        final Set<String> sampled = ConcurrentHashMap.newKeySet();
        final ArrayDeque<long[]> samples = new ArrayDeque<>();
        /** The last failure to start a runner (cleared by a start that works). */
        volatile String startFailure;

        volatile PoolStatus lastStatus;
        String lastDecision = "none yet";
        Instant decidedAt;
    }

    public GitHubBridge(ControlPlane api, String scalerId, InstantSource clock, ExecutorService work) {
        this(api, scalerId, clock, work, DEFAULT_LIST_EVERY);
    }

    /**
     * @param work runs GitHub calls and provider starts and removals off the reconcile pass; null: in the pass
     * @param listEvery how often GitHub's runner list is read (the token's hourly quota); zero: every pass
     */
    public GitHubBridge(
            ControlPlane api, String scalerId, InstantSource clock, ExecutorService work, Duration listEvery) {
        this.api = api;
        this.scalerId = scalerId;
        this.clock = clock;
        this.work = work;
        this.listEvery = listEvery;
    }

    /**
     * One pass for one GitHub pool: reads new events, GitHub's runners (at most every {@code listEvery}) and the
     * provider's instances; removes what is finished, vanished or orphaned; starts runners for queued jobs; reports
     * the pool's status to the control plane. Call it for the GitHub pools in file order (the first pool that can
     * take a job counts it).
     */
    public Scaler.PoolPass reconcile(PoolConfig pool, Provider provider, PoolView view) throws IOException {
        if (!"github".equals(pool.kind()) || pool.github() == null)
            throw new IllegalArgumentException("pool " + pool.name() + " is not of kind github");
        poll();
        Instant now = clock.instant();
        PoolMemory mem = memory.computeIfAbsent(pool.name(), k -> new PoolMemory());
        GitHubApi gh = apis.computeIfAbsent(pool.github(), GitHubApi::new);
        boolean draining = view != null && view.draining();

        // in flight before the instances are listed: a start that ends after the listing is still in this set
        Set<String> inFlight = new HashSet<>(starting.keySet());
        List<Instance> instances = provider.list();
        boolean fresh = false;
        if (mem.listedAt == null || !mem.listedAt.plus(listEvery).isAfter(now)) {
            Map<String, GitHubApi.Runner> byName = new HashMap<>();
            try {
                for (GitHubApi.Runner r : gh.runners()) if (ours(pool, r.name())) byName.put(r.name(), r);
            } catch (IOException e) {
                report(pool, mem, e.getMessage());
                throw e;
            }
            mem.runners = byName;
            mem.listedAt = now;
            fresh = true;
        }
        Map<String, GitHubApi.Runner> runners = mem.runners;
        Instant listedAt = mem.listedAt;

        Set<String> listed = new HashSet<>();
        // instances that stay (not being removed), and starts in flight: their names are in use
        Set<String> present = new HashSet<>(inFlight);
        present.addAll(starting.keySet());
        List<Decider.Idle> idle = new ArrayList<>();
        int startingCount = 0, busy = 0;
        for (Instance inst : instances) {
            String name = inst.name();
            listed.add(name);
            if (removing.contains(name)) continue;
            GitHubApi.Runner r = runners.get(name);
            Instant created = mem.requestedAt.getOrDefault(name, inst.createdAt());
            boolean pastTimeout = !created.plus(pool.registerTimeout()).isAfter(listedAt);
            if (finished(name)) {
                remove(pool, provider, gh, name, r, "GitHub reported its job completed", false);
            } else if (!inst.running()) {
                if (!mem.sampled.contains(name) && jobOf(name).isEmpty()) failed(mem, name);
                remove(pool, provider, gh, name, r, "it exited (" + inst.detail() + ")", false);
            } else if (r == null && jobOf(name).isEmpty()) {
                if (pastTimeout) {
                    remove(
                            pool,
                            provider,
                            gh,
                            name,
                            null,
                            "GitHub no longer lists its runner (a just-in-time runner is deleted after its job)",
                            false);
                } else {
                    startingCount++;
                    present.add(name);
                }
            } else if ((r != null && r.busy()) || jobOf(name).isPresent()) {
                busy++;
                present.add(name);
                mem.idleSince.remove(name);
                mem.offlineSince.remove(name);
                sample(mem, name, now);
            } else if (r.online()) {
                mem.onlineAt.putIfAbsent(name, now);
                mem.offlineSince.remove(name);
                idle.add(new Decider.Idle(name, mem.idleSince.computeIfAbsent(name, k -> now)));
                present.add(name);
            } else {
                // offline: not connected yet, or lost its connection
                Instant since =
                        mem.onlineAt.containsKey(name) ? mem.offlineSince.computeIfAbsent(name, k -> now) : created;
                if (!since.plus(pool.registerTimeout()).isAfter(now)) {
                    if (!mem.onlineAt.containsKey(name)) failed(mem, name);
                    remove(
                            pool,
                            provider,
                            gh,
                            name,
                            r,
                            "its GitHub runner is offline " + human(pool.registerTimeout()) + " after "
                                    + (mem.onlineAt.containsKey(name) ? "it was last online" : "it was started"),
                            false);
                } else {
                    startingCount++;
                    present.add(name);
                }
            }
        }
        for (var e : starting.entrySet())
            if (e.getValue().equals(pool.name()) && !listed.contains(e.getKey())) startingCount++;
        for (String n : inFlight) if (!starting.containsKey(n) && !listed.contains(n) && ours(pool, n)) startingCount++;

        // GitHub runners of this pool with no instance: the scaler stopped between asking GitHub and starting it
        if (fresh) {
            for (GitHubApi.Runner r : runners.values()) {
                String n = r.name();
                if (listed.contains(n) || inFlight.contains(n) || starting.containsKey(n) || removing.contains(n))
                    continue;
                deleteOrphan(pool, gh, r);
            }
        }

        List<Job> waiting = waiting(pool, mem, draining);
        Decider.Decision d = Decider.decide(new Decider.Inputs(
                waiting.size(),
                idle,
                startingCount,
                busy,
                (int) listed.stream().filter(removing::contains).count(),
                pool.minIdle(),
                pool.max(),
                pool.idleTimeout(),
                draining,
                now));
        for (String name : d.stop()) remove(pool, provider, gh, name, runners.get(name), "idle: " + d.summary(), true);
        // jobs with no runner named for them first (a runner started for a job may have taken another one)
        List<Job> order = new ArrayList<>();
        for (Job j : waiting) if (!hasRunner(pool, j, present)) order.add(j);
        for (Job j : waiting) if (hasRunner(pool, j, present)) order.add(j);
        int launched = 0;
        for (Job j : order) {
            if (launched == d.start()) break;
            String name = nameFor(pool, j, present);
            if (name == null) continue;
            present.add(name);
            launch(pool, provider, gh, mem, name, j);
            launched++;
        }
        while (launched < d.start() && pool.minIdle() > 0) {
            // warm runners for min-idle, not started for a job
            String name = pool.name() + "-w" + Long.toString(clock.millis(), 36)
                    + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
            launch(pool, provider, gh, mem, name, null);
            launched++;
        }

        String reason = d.reason();
        if (launched < d.start())
            reason += "; " + (d.start() - launched) + " not started this pass (their jobs' runner names are in use)";
        if (!mem.gaveUp.isEmpty())
            reason += "; " + mem.gaveUp.size() + " job(s) given up after " + ATTEMPTS
                    + " runners ended before running a job";
        String failure = mem.startFailure;
        if (failure != null) reason += "; the last start failed: " + failure;
        String summary = launched == d.start() ? d.summary() : launched == 0 ? "steady" : "start " + launched;
        if (launched > 0 || !d.stop().isEmpty() || !summary.equals(mem.lastDecision)) {
            if (launched > 0 || !d.stop().isEmpty()) log.info("pool {}: {} ({})", pool.name(), summary, reason);
            mem.lastDecision = summary;
            mem.decidedAt = now;
        }
        PoolStatus status = new PoolStatus(
                pool.provider(),
                pool.labels(),
                pool.minIdle(),
                pool.max(),
                true,
                waiting.size(),
                idle.size(),
                busy,
                startingCount + launched,
                (int) removing.stream().filter(n -> ours(pool, n)).count(),
                mem.lastDecision,
                reason,
                mem.decidedAt,
                provisioning(mem),
                null);
        mem.lastStatus = status;
        api.report(pool.name(), status);
        return new Scaler.PoolPass(pool.name(), new Decider.Decision(launched, d.stop(), summary, reason), status);
    }

    /** The launch for a GitHub runner: its JIT configuration in the environment, never on the command line. */
    Launch launchOf(PoolConfig pool, String name, GitHubApi.JitConfig jit) {
        PoolConfig.Agent a = pool.agent();
        List<String> command = new ArrayList<>(a.command() != null ? a.command() : DEFAULT_COMMAND);
        command.addAll(a.args());
        Map<String, String> env = new LinkedHashMap<>(a.env());
        env.put(JIT_CONFIG_ENV, jit.encodedJitConfig());
        String image = a.image() != null ? a.image() : pool.provider().equals("process") ? null : DEFAULT_IMAGE;
        return new Launch(
                name, pool.name(), "stable", image, command, env, Labels.of(scalerId, pool.name(), name, "stable"));
    }

    /** Whether {@code name} is one of this pool's runners: {@code <pool>-<job id>[-<attempt>]} or {@code <pool>-w…}. */
    static boolean ours(PoolConfig pool, String name) {
        return name != null
                && NAMES.computeIfAbsent(
                                pool.name(), p -> Pattern.compile(Pattern.quote(p) + "-(\\d+(-\\d+)?|w[0-9a-z]+)"))
                        .matcher(name)
                        .matches();
    }

    private static final Map<String, Pattern> NAMES = new ConcurrentHashMap<>();

    // ---- events

    /** Reads the events recorded since the cursor (with an overlap), applying each delivery once. */
    void poll() throws IOException {
        synchronized (events) {
            long from = cursor < 0 ? clock.millis() - READ_BACK.toMillis() : Math.max(0, cursor - OVERLAP_MS);
            for (int page = 0; page < MAX_PAGES_PER_PASS; page++) {
                List<GitHubWorkflowJobView> got = api.workflowJobs(from, PAGE);
                for (GitHubWorkflowJobView e : got) {
                    long at = e.receivedAt() == null ? from : e.receivedAt().toEpochMilli();
                    if (seen.putIfAbsent(e.deliveryId(), at) == null) apply(e, at);
                    cursor = Math.max(cursor, at);
                }
                if (got.size() < PAGE) break;
                long last = got.getLast().receivedAt().toEpochMilli();
                if (last <= from) {
                    log.warn("more than {} workflow_job events in one millisecond; some are skipped", PAGE);
                    break;
                }
                from = last;
            }
            prune();
        }
    }

    private void apply(GitHubWorkflowJobView e, long at) {
        if (e.jobId() == null) return;
        int state = switch (e.action() == null ? "" : e.action()) {
            case "waiting" -> WAITING;
            case "queued" -> QUEUED;
            case "in_progress" -> IN_PROGRESS;
            case "completed" -> COMPLETED;
            default -> -1;
        };
        if (state < 0) return;
        Job j = jobs.computeIfAbsent(
                e.jobId(), id -> new Job(id, e.repository(), lower(e.labels() == null ? List.of() : e.labels())));
        // GitHub does not promise order: a job only moves forward
        if (state > j.state) j.state = state;
        if (state == QUEUED) j.queuedAt = Math.min(j.queuedAt, at);
        j.updatedAt = Math.max(j.updatedAt, at);
        String runner = e.runnerName();
        if (runner != null && !runner.isBlank()) {
            j.runnerName = runner;
            if (state == COMPLETED) {
                finished.put(runner, at);
                running.remove(runner);
            } else if (state == IN_PROGRESS && j.state == IN_PROGRESS) {
                running.put(runner, j.id);
            }
        }
    }

    private void prune() {
        long horizon = cursor - OVERLAP_MS - 1000;
        seen.values().removeIf(at -> at < horizon);
        long forget = cursor - FORGET_AFTER.toMillis();
        long done = cursor - READ_BACK.toMillis();
        jobs.values().removeIf(j -> j.updatedAt < forget || (j.state == COMPLETED && j.updatedAt < done));
        finished.values().removeIf(at -> at < done);
        running.values().removeIf(id -> !jobs.containsKey(id));
        claims.keySet().removeIf(id -> !jobs.containsKey(id));
    }

    private boolean finished(String runner) {
        synchronized (events) {
            return finished.containsKey(runner);
        }
    }

    private java.util.Optional<Long> jobOf(String runner) {
        synchronized (events) {
            return java.util.Optional.ofNullable(running.get(runner));
        }
    }

    /**
     * The pool's queued jobs, oldest first: queued and not yet taken by a runner, labels all among the pool's, in
     * its repository or organisation, not counted by another pool, not given up on. A drained pool counts none (and
     * lets another pool count them).
     */
    private List<Job> waiting(PoolConfig pool, PoolMemory mem, boolean draining) {
        Set<String> have = lower(pool.labels());
        List<Job> out = new ArrayList<>();
        synchronized (events) {
            for (Job j : jobs.values()) {
                if (j.state != QUEUED || !inScope(pool.github(), j.repository) || !have.containsAll(j.labels)) continue;
                String owner = claims.get(j.id);
                if (draining) {
                    if (pool.name().equals(owner)) claims.remove(j.id);
                    continue;
                }
                if (owner != null && !owner.equals(pool.name())) continue;
                if (mem.gaveUp.contains(j.id)) continue;
                claims.put(j.id, pool.name());
                out.add(j);
            }
            mem.failures.keySet().removeIf(id -> !jobs.containsKey(id));
            mem.gaveUp.removeIf(id -> !jobs.containsKey(id));
        }
        out.sort(Comparator.comparingLong((Job j) -> j.queuedAt).thenComparingLong(j -> j.id));
        return out;
    }

    /**
     * The name of a runner for job {@code j}: {@code <pool>-<job id>}, or {@code -2}, {@code -3}… when that one is
     * still there (it may run another job) or GitHub reported it finished (its name is not reused). Null when none is
     * free.
     */
    private String nameFor(PoolConfig pool, Job j, Set<String> present) {
        for (int n = 1; n <= NAMES_PER_JOB; n++) {
            String name = nameOf(pool, j, n);
            if (present.contains(name) || starting.containsKey(name) || removing.contains(name) || finished(name))
                continue;
            return name;
        }
        return null;
    }

    private boolean hasRunner(PoolConfig pool, Job j, Set<String> present) {
        for (int n = 1; n <= NAMES_PER_JOB; n++) if (present.contains(nameOf(pool, j, n))) return true;
        return false;
    }

    private static String nameOf(PoolConfig pool, Job j, int n) {
        return pool.name() + "-" + j.id + (n == 1 ? "" : "-" + n);
    }

    /** A runner started for a job ended before running any: after {@link #ATTEMPTS} the job is given up on. */
    private void failed(PoolMemory mem, String name) {
        Long job = mem.startedFor.get(name);
        if (job == null) return;
        if (mem.failures.merge(job, 1, Integer::sum) >= ATTEMPTS && mem.gaveUp.add(job))
            log.warn(
                    "job {}: {} runners started for it ended before running a job; not starting another",
                    job,
                    ATTEMPTS);
    }

    private static boolean inScope(PoolConfig.GitHub g, String repository) {
        if (repository == null) return false;
        if (g.repository() != null) return g.repository().equalsIgnoreCase(repository);
        return repository.toLowerCase(Locale.ROOT).startsWith(g.organization().toLowerCase(Locale.ROOT) + "/");
    }

    // ---- actions

    private void launch(PoolConfig pool, Provider provider, GitHubApi gh, PoolMemory mem, String name, Job job) {
        starting.put(name, pool.name());
        if (job != null) mem.startedFor.put(name, job.id);
        mem.requestedAt.put(name, clock.instant());
        log.info(
                "pool {}: starting {}{}",
                pool.name(),
                name,
                job == null ? " (min-idle)" : " for job " + job.id + " of " + job.repository);
        run(() -> {
            try {
                GitHubApi.JitConfig jit = jitConfig(pool, gh, name);
                try {
                    provider.start(launchOf(pool, name, jit));
                } catch (IOException | RuntimeException e) {
                    deleteQuietly(gh, jit.runnerId(), name);
                    throw e;
                }
                mem.startFailure = null;
            } catch (IOException | RuntimeException e) {
                mem.startFailure = e.getMessage();
                failed(mem, name);
                mem.requestedAt.remove(name);
                mem.startedFor.remove(name);
                log.warn("pool {}: could not start {}: {}", pool.name(), name, e.getMessage());
            } finally {
                starting.remove(name);
            }
        });
    }

    /**
     * Asks GitHub for the runner's configuration. A runner of that name already registered has no instance (the
     * names of running instances are never asked for again): it is left from a start that did not finish, so it is
     * deleted and the call repeated.
     */
    private GitHubApi.JitConfig jitConfig(PoolConfig pool, GitHubApi gh, String name) throws IOException {
        long group = pool.github().runnerGroupId();
        try {
            return gh.generateJitConfig(name, group, pool.labels(), WORK_FOLDER);
        } catch (GitHubApi.GitHubException e) {
            if (e.status() != 409) throw e;
            for (GitHubApi.Runner r : gh.runners(name)) if (r.name().equals(name)) gh.deleteRunner(r.id());
            return gh.generateJitConfig(name, group, pool.labels(), WORK_FOLDER);
        }
    }

    /**
     * Deletes the GitHub runner (if any) and removes the instance. {@code onlyIfIdle}: GitHub refuses to delete a
     * runner that runs a job (422), and then the instance is kept.
     */
    private void remove(
            PoolConfig pool,
            Provider provider,
            GitHubApi gh,
            String name,
            GitHubApi.Runner r,
            String why,
            boolean onlyIfIdle) {
        if (!removing.add(name)) return;
        log.info("pool {}: removing {}: {}", pool.name(), name, why);
        run(() -> {
            try {
                if (r != null) {
                    try {
                        gh.deleteRunner(r.id());
                    } catch (GitHubApi.GitHubException e) {
                        if (onlyIfIdle && e.status() == 422) {
                            log.info("pool {}: keeping {}: it took a job ({})", pool.name(), name, e.getMessage());
                            return;
                        }
                        log.warn("pool {}: {} (removing its instance anyway)", pool.name(), e.getMessage());
                    }
                }
                provider.remove(name);
                PoolMemory mem = memory.get(pool.name());
                if (mem != null) {
                    mem.requestedAt.remove(name);
                    mem.onlineAt.remove(name);
                    mem.idleSince.remove(name);
                    mem.offlineSince.remove(name);
                    mem.sampled.remove(name);
                    mem.startedFor.remove(name);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("pool {}: could not remove {} (will retry): {}", pool.name(), name, e.getMessage());
            } finally {
                removing.remove(name);
            }
        });
    }

    private void deleteOrphan(PoolConfig pool, GitHubApi gh, GitHubApi.Runner r) {
        if (!removing.add(r.name())) return;
        log.info(
                "pool {}: deleting GitHub runner {} ({}): no instance runs it (left by a start that did not finish)",
                pool.name(),
                r.name(),
                r.id());
        run(() -> {
            try {
                gh.deleteRunner(r.id());
            } catch (IOException | RuntimeException e) {
                log.warn("pool {}: could not delete GitHub runner {}: {}", pool.name(), r.name(), e.getMessage());
            } finally {
                removing.remove(r.name());
            }
        });
    }

    private static void deleteQuietly(GitHubApi gh, long id, String name) {
        try {
            gh.deleteRunner(id);
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete GitHub runner {} after its instance failed to start: {}", name, e.getMessage());
        }
    }

    private void run(Runnable task) {
        if (work == null) task.run();
        else work.submit(task);
    }

    /** After a failure to read GitHub: the last pass's counts, with the failure as the reason. */
    private void report(PoolConfig pool, PoolMemory mem, String reason) {
        PoolStatus last = mem.lastStatus;
        try {
            api.report(
                    pool.name(),
                    new PoolStatus(
                            pool.provider(),
                            pool.labels(),
                            pool.minIdle(),
                            pool.max(),
                            true,
                            last == null ? 0 : last.queued(),
                            last == null ? 0 : last.idle(),
                            last == null ? 0 : last.busy(),
                            last == null ? 0 : last.starting(),
                            last == null ? 0 : last.stopping(),
                            "GitHub error",
                            reason,
                            clock.instant(),
                            provisioning(mem),
                            null));
        } catch (IOException | RuntimeException e) {
            log.debug("pool {}: could not report: {}", pool.name(), e.getMessage());
        }
    }

    // ---- provisioning times: requested → online (ready), requested → running a job

    private void sample(PoolMemory mem, String name, Instant now) {
        Instant requested = mem.requestedAt.get(name);
        if (requested == null || !mem.sampled.add(name)) return;
        Instant online = mem.onlineAt.getOrDefault(name, now);
        synchronized (mem.samples) {
            mem.samples.addLast(new long[] {
                Duration.between(requested, online).toMillis(),
                Duration.between(requested, now).toMillis()
            });
            while (mem.samples.size() > 200) mem.samples.removeFirst();
        }
    }

    private static PoolStatus.Provisioning provisioning(PoolMemory mem) {
        List<long[]> s;
        synchronized (mem.samples) {
            s = List.copyOf(mem.samples);
        }
        if (s.isEmpty()) return null;
        long[] ready = s.stream().mapToLong(a -> a[0]).sorted().toArray();
        long[] job = s.stream().mapToLong(a -> a[1]).sorted().toArray();
        return new PoolStatus.Provisioning(s.size(), pct(ready, 50), pct(ready, 95), pct(job, 50), pct(job, 95));
    }

    private static long pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static Set<String> lower(List<String> labels) {
        Set<String> s = new HashSet<>();
        for (String l : labels) s.add(l.strip().toLowerCase(Locale.ROOT));
        return s;
    }

    private static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0) return d.toMinutes() + "m";
        if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
        return d.toMillis() + "ms";
    }
}
