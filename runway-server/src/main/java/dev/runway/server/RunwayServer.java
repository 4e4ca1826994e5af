package dev.runway.server;

import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.blobs.BlobStore;
import dev.runway.server.blobs.FileBlobStore;
import dev.runway.server.blobs.S3BlobStore;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.DispatcherWakeup;
import dev.runway.server.dispatch.JobDelivery;
import dev.runway.server.dispatch.LeaseReaper;
import dev.runway.server.dispatch.LogFollowerWakeup;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.forge.StatusApi;
import dev.runway.server.forge.StatusReporter;
import dev.runway.server.http.HttpApi;
import dev.runway.server.lifecycle.RetentionSweep;
import dev.runway.server.metrics.FleetSnapshot;
import dev.runway.server.metrics.JobMetrics;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.StatsQuery;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.ParsedWorkflows;
import dev.runway.server.runs.RunAdvancer;
import dev.runway.server.runs.RunPlanner;
import dev.runway.server.runs.RunRepository;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.secrets.MasterKey;
import dev.runway.server.secrets.SecretStore;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.DataDir;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobNotifications;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.PoolStore;
import dev.runway.server.store.RetentionStore;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.ScheduleStore;
import dev.runway.server.store.Transitions;
import dev.runway.server.store.VariableStore;
import dev.runway.server.store.WebhookStore;
import dev.runway.server.tokens.AdminToken;
import dev.runway.server.triggers.ScheduleTrigger;
import io.javalin.Javalin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The control plane, started and stopped as one object: store, dispatch, lease loop and HTTP API. */
public final class RunwayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunwayServer.class);

    private final ServerConfig config;
    private final Database db;
    private final Dispatcher dispatcher;
    private final ScheduledExecutorService loops;
    private final Javalin http;
    private final String adminToken;
    private final LeaseReaper reaper;
    /** PostgreSQL: the LISTEN connection on which other replicas' changes arrive; null on SQLite. */
    private volatile JobNotifications.Listener listener;

    private final RunScheduler scheduler;
    private ServerMetrics metrics;
    private ScheduleTrigger schedules;
    private final RetentionSweep retention;
    /** The retention pass's own thread: a long pass never delays the lease loop. */
    private final ScheduledExecutorService retentionLoop;

    private BlobStore blobs;

    static final long SWEEP_SECONDS = 5;
    /** Largest artifact accepted. */
    static final long MAX_ARTIFACT_BYTES = 10L * 1024 * 1024 * 1024;
    /** Total size of all caches; the least recently used are evicted past it (GitHub's limit per repository). */
    static final long MAX_CACHE_BYTES = 10L * 1024 * 1024 * 1024;

    private RunwayServer(ServerConfig config, InstantSource clock) {
        this.config = config;
        // whatever the store: git mirrors, artifacts, caches and the CLI's server.url live here (0700)
        if (config.dataDir() != null) DataDir.prepare(config.dataDir());
        this.db = Database.open(config);
        try {
            // every job state change, whoever makes it, reaches the listeners added below through this one path
            Transitions transitions = new Transitions();
            JobStore jobs = new JobStore(db, transitions);
            LogStore logs = new LogStore(db);
            RunnerStore runners = new RunnerStore(db, transitions);
            ApiTokenStore apiTokens = new ApiTokenStore(db);
            this.adminToken = AdminToken.resolve(config.adminToken(), config.dataDir());
            apiTokens.ensure(adminToken, "admin", clock.millis());
            // files an older version left readable to others
            for (Path f : new Path[] {config.dataDir().resolve(AdminToken.FILE), config.masterKeyFile()})
                if (f != null && Files.exists(f)) DataDir.tighten(f);
            Wakeups jobEvents = new Wakeups();
            long leaseMs = config.leaseTimeout().toMillis();
            this.dispatcher = new Dispatcher(jobs, clock, leaseMs);
            this.reaper = new LeaseReaper(jobs, clock, leaseMs);
            this.loops = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("runway-lease-loop").daemon().factory());
            RunStore runs = new RunStore(db);
            this.scheduler = new RunScheduler(
                    runs,
                    new RunPlanner(new RunPlanner.Defaults(
                            config.defaultJobTimeout().toMillis(), config.defaultMaxAttempts())),
                    transitions,
                    new ParsedWorkflows(),
                    clock);
            long offlineAfter = config.offlineAfter().toMillis();
            ServerMetrics metrics = new ServerMetrics(
                    () -> FleetSnapshot.of(
                            this.metrics,
                            jobs.queueSnapshot().groups(),
                            runners.list(),
                            runners.runningCounts(),
                            clock.millis(),
                            offlineAfter),
                    dispatcher::waiting,
                    () -> {
                        Database.PoolUse u = db.poolUse();
                        return new ServerMetrics.DbPool.Use(u.active(), u.idle(), u.pending(), u.max());
                    });
            this.metrics = metrics;
            transitions
                    .listen(new LogFollowerWakeup(jobEvents))
                    .listen(new DispatcherWakeup(dispatcher))
                    .listen(new JobMetrics(metrics, runners::get))
                    .listen(new RunAdvancer(scheduler));
            if (config.statuses().on()) {
                ServerConfig.Statuses st = config.statuses();
                transitions.listen(StatusReporter.start(
                        new StatusApi(st.api(), st.flavour(), st.token()),
                        st.repositories(),
                        st.publicUrl(),
                        runs::get,
                        RunRepository::of,
                        RunRepository::commit));
                log.info("reporting commit statuses to {} for {}", st.api(), st.repositories());
            }
            // a run whose job finished while this replica was down (or on another replica that died) moves on
            loops.scheduleWithFixedDelay(this::sweepRuns, 1, SWEEP_SECONDS, TimeUnit.SECONDS);
            GitSource git = new GitSource(config.dataDir().resolve("git"));
            SecretStore secrets = new SecretStore(db, MasterKey.loadOrCreate(config.masterKeyFile()));
            AuditLog audit = new AuditLog(db, clock);
            VariableStore variables = new VariableStore(db);
            RunStarter starter = new RunStarter(
                    runs,
                    scheduler,
                    git,
                    config.dataDir().resolve("actions"),
                    config.github().repos(),
                    variables,
                    clock);
            this.blobs = config.blobStore() == null
                    ? new FileBlobStore(config.dataDir())
                    : S3BlobStore.connect(config.blobStore(), config.dataDir().resolve(FileBlobStore.INCOMING));
            log.info("artifacts and caches are kept in {}", blobs.describe());
            if (config.blobStore() == null && db.dialect() == Database.Dialect.POSTGRESQL)
                log.warn("artifacts and caches are kept in this replica's data directory: other replicas on this"
                        + " database cannot serve them; give every replica the same --blob-store (docs/operations.md)");
            ArtifactStore artifacts = new ArtifactStore(db, blobs, MAX_ARTIFACT_BYTES);
            CacheStore caches = new CacheStore(db, blobs, MAX_CACHE_BYTES);
            this.retention =
                    new RetentionSweep(new RetentionStore(db), artifacts, caches, config.retention(), clock, metrics);
            this.retentionLoop = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("runway-retention").daemon().factory());
            this.http = HttpApi.builder(config)
                    .clock(clock)
                    .apiTokens(apiTokens)
                    .runners(runners)
                    .jobs(jobs)
                    .runs(runs)
                    .logs(logs)
                    .artifacts(artifacts)
                    .caches(caches)
                    .secrets(secrets)
                    .variables(variables)
                    .audit(audit)
                    .webhooks(new WebhookStore(db))
                    .pools(new PoolStore(db))
                    .scheduler(scheduler)
                    .starter(starter)
                    .git(git)
                    .dispatcher(dispatcher)
                    .delivery(new JobDelivery(
                            secrets, variables, audit, config.leaseTimeout(), config.heartbeatInterval()))
                    .jobEvents(jobEvents)
                    .metrics(metrics)
                    .stats(new StatsQuery(db))
                    .storeProblem(db::problem)
                    .create();
            http.start();
            // lease time counts only while a control plane serves: from here, not from before the restart
            reaper.startServing();
            long period = Math.max(100, Math.min(1000, leaseMs / 3));
            loops.scheduleWithFixedDelay(reaper, period, period, TimeUnit.MILLISECONDS);
            // PostgreSQL: jobs queued (and concurrency groups freed) through other replicas arrive as they commit
            listener = JobNotifications.Listener.start(
                    db,
                    e -> {
                        switch (e) {
                            case JobNotifications.Event.Queued q -> dispatcher.jobsQueued(q.labels(), q.count());
                        }
                    },
                    this::recheckQueueNow);
            // work this replica was not told of (queued through another replica while it did not listen, a slot
            // freed): one check per server, every second unless the LISTEN connection tells of it (then a slow one)
            loops.scheduleWithFixedDelay(
                    this::recheckQueue, Dispatcher.RECHECK_MILLIS, Dispatcher.RECHECK_MILLIS, TimeUnit.MILLISECONDS);
            // logs, artifacts, caches and finished jobs past their retention (docs/operations.md)
            retention.schedule(retentionLoop);
            // on: schedule, for the configured repositories only (every replica looks; the store picks one to fire)
            if (!config.github().repos().isEmpty()) {
                schedules = new ScheduleTrigger(
                        config.github().repos(),
                        git,
                        starter,
                        new ScheduleStore(db),
                        clock,
                        ScheduleTrigger.DEFAULT_PERIOD);
                schedules.start();
            }
        } catch (RuntimeException e) {
            if (listener != null) listener.close();
            if (blobs != null) blobs.close();
            db.close();
            throw e;
        }
        log.info(
                "control plane listening on {} ({} store)",
                url(),
                db.dialect().name().toLowerCase());
    }

    /** Opens the store (migrating it), binds HTTP and starts background loops; returns when ready to serve. */
    public static RunwayServer start(ServerConfig config) {
        return start(config, InstantSource.system());
    }

    public static RunwayServer start(ServerConfig config, InstantSource clock) {
        return new RunwayServer(config, clock);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.port();
    }

    /** Base URL, e.g. http://127.0.0.1:8420 */
    public String url() {
        String host = config.host();
        if (host == null || host.equals("0.0.0.0") || host.equals("::")) host = "127.0.0.1";
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** The bootstrap admin API token (from config, or generated on first start and kept in dataDir/admin-token). */
    public String adminToken() {
        return adminToken;
    }

    /**
     * Every HTTP route this control plane answers, as {@code METHOD /path/{param}}, read from the router itself (the
     * route fuzzer covers each, so a new route is covered without a list to keep up to date).
     */
    public List<String> routes() {
        Set<String> methods = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
        return http.unsafe.internalRouter.allHttpHandlers().stream()
                .filter(e -> methods.contains(e.endpoint.method.name()))
                .map(e -> e.endpoint.method.name() + " " + e.endpoint.path)
                .distinct()
                .sorted()
                .toList();
    }

    /** Runner polls currently held open waiting for work (for metrics and benchmarks). */
    public int waitingPolls() {
        return dispatcher.waiting();
    }

    /** This control plane's metrics (what {@code GET /metrics} serves). */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** One pass of the lease loop (tests step it instead of waiting for the schedule). */
    public void expireLeasesNow() {
        reaper.runOnce();
    }

    /**
     * One pass of the schedule trigger (tests step it instead of waiting for its loop); the number of runs this
     * replica started, 0 when no repository is configured.
     */
    public int fireSchedulesNow() {
        return schedules == null ? 0 : schedules.tick().size();
    }

    /** One retention pass now (tests step it with their clock instead of waiting for its schedule). */
    public RetentionSweep.Pass retainNow() {
        return retention.runOnce();
    }

    private void sweepRuns() {
        try {
            scheduler.sweep();
        } catch (RuntimeException e) {
            log.error("run sweep failed; will retry", e);
        }
    }

    private void recheckQueue() {
        try {
            JobNotifications.Listener l = listener;
            dispatcher.tick(l != null && l.told());
        } catch (RuntimeException e) {
            log.warn("queue recheck failed; will retry: {}", e.toString());
        }
    }

    /** After the LISTEN connection came back: what other replicas sent meanwhile is lost, so look at the queue. */
    private void recheckQueueNow() {
        try {
            dispatcher.recheck();
        } catch (RuntimeException e) {
            dispatcher.wantRecheck();
            log.warn("queue recheck failed; will retry: {}", e.toString());
        }
    }

    /**
     * The PostgreSQL server process of this replica's LISTEN connection, 0 while it has none (always on SQLite); for
     * tests that cut it.
     */
    public int listenerBackendPid() {
        JobNotifications.Listener l = listener;
        return l == null ? 0 : l.backendPid();
    }

    /**
     * Whether this replica hears of the others' changes as they commit (PostgreSQL, listening long enough that the
     * others know); for tests.
     */
    public boolean toldOfOtherReplicas() {
        JobNotifications.Listener l = listener;
        return l != null && l.told();
    }

    /** Stops accepting, releases held polls, closes the store. */
    @Override
    public void close() {
        if (schedules != null) schedules.close();
        if (listener != null) listener.close();
        dispatcher.close();
        loops.shutdownNow();
        retentionLoop.shutdownNow();
        http.stop();
        if (blobs != null) blobs.close();
        db.close();
    }
}
