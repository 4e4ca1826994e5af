package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.server.ServerConfig;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.dashboard.DashboardRoutes;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.JobDelivery;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.environments.Deployments;
import dev.runway.server.environments.EnvironmentStore;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.StatsQuery;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.secrets.SecretStore;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.PoolStore;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.VariableStore;
import dev.runway.server.store.WebhookStore;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

/** The HTTP server: routes of the versioned API and one error shape for everything that goes wrong. */
public final class HttpApi {

    private HttpApi() {}

    /** Starts wiring an API for {@code config}: name each collaborator, then {@link Builder#create()}. */
    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /**
     * The collaborators the routes are made of, each set by name. {@link #create()} hands every route group only the
     * ones it uses.
     */
    public static final class Builder {
        private final ServerConfig config;
        private InstantSource clock = InstantSource.system();
        private ApiTokenStore apiTokens;
        private RunnerStore runners;
        private JobStore jobs;
        private RunStore runs;
        private LogStore logs;
        private ArtifactStore artifacts;
        private CacheStore caches;
        private SecretStore secrets;
        private VariableStore variables;
        private AuditLog audit;
        private WebhookStore webhooks;
        private PoolStore pools;
        private RunScheduler scheduler;
        private RunStarter starter;
        private GitSource git;
        private Dispatcher dispatcher;
        private JobDelivery delivery;
        private Wakeups jobEvents;
        private ServerMetrics metrics;
        private StatsQuery stats;
        private Supplier<String> storeProblem;

        private Builder(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        public Builder clock(InstantSource v) {
            clock = v;
            return this;
        }

        public Builder apiTokens(ApiTokenStore v) {
            apiTokens = v;
            return this;
        }

        public Builder runners(RunnerStore v) {
            runners = v;
            return this;
        }

        public Builder jobs(JobStore v) {
            jobs = v;
            return this;
        }

        public Builder runs(RunStore v) {
            runs = v;
            return this;
        }

        public Builder logs(LogStore v) {
            logs = v;
            return this;
        }

        public Builder artifacts(ArtifactStore v) {
            artifacts = v;
            return this;
        }

        public Builder caches(CacheStore v) {
            caches = v;
            return this;
        }

        public Builder variables(VariableStore v) {
            variables = v;
            return this;
        }

        public Builder secrets(SecretStore v) {
            secrets = v;
            return this;
        }

        public Builder audit(AuditLog v) {
            audit = v;
            return this;
        }

        public Builder webhooks(WebhookStore v) {
            webhooks = v;
            return this;
        }

        public Builder pools(PoolStore v) {
            pools = v;
            return this;
        }

        /** Moves runs on and cancels them. */
        public Builder scheduler(RunScheduler v) {
            scheduler = v;
            return this;
        }

        /** Starts runs, for {@code POST /runs} and push webhooks. */
        public Builder starter(RunStarter v) {
            starter = v;
            return this;
        }

        public Builder git(GitSource v) {
            git = v;
            return this;
        }

        public Builder dispatcher(Dispatcher v) {
            dispatcher = v;
            return this;
        }

        /** Hands claimed attempts to runners with their secrets. */
        public Builder delivery(JobDelivery v) {
            delivery = v;
            return this;
        }

        /** Signalled per job id when its log grows or it ends (log followers wait on it). */
        public Builder jobEvents(Wakeups v) {
            jobEvents = v;
            return this;
        }

        public Builder metrics(ServerMetrics v) {
            metrics = v;
            return this;
        }

        public Builder stats(StatsQuery v) {
            stats = v;
            return this;
        }

        /** What is wrong with the store, for {@code /health}; null when nothing is. */
        public Builder storeProblem(Supplier<String> v) {
            storeProblem = v;
            return this;
        }

        /** The server with every route registered, not started; fails naming a collaborator that was not set. */
        public Javalin create() {
            return HttpApi.create(this);
        }

        private static <T> T required(T v, String name) {
            return Objects.requireNonNull(v, () -> "HttpApi.builder(): " + name + " not set");
        }
    }

    private static Javalin create(Builder b) {
        ServerConfig config = b.config;
        InstantSource clock = Builder.required(b.clock, "clock");
        ApiTokenStore apiTokens = Builder.required(b.apiTokens, "apiTokens");
        RunnerStore runners = Builder.required(b.runners, "runners");
        JobStore jobs = Builder.required(b.jobs, "jobs");
        RunStore runs = Builder.required(b.runs, "runs");
        LogStore logs = Builder.required(b.logs, "logs");
        ArtifactStore artifacts = Builder.required(b.artifacts, "artifacts");
        CacheStore caches = Builder.required(b.caches, "caches");
        SecretStore secrets = Builder.required(b.secrets, "secrets");
        AuditLog audit = Builder.required(b.audit, "audit");
        WebhookStore webhooks = Builder.required(b.webhooks, "webhooks");
        PoolStore pools = Builder.required(b.pools, "pools");
        RunScheduler scheduler = Builder.required(b.scheduler, "scheduler");
        RunStarter starter = Builder.required(b.starter, "starter");
        GitSource git = Builder.required(b.git, "git");
        Dispatcher dispatcher = Builder.required(b.dispatcher, "dispatcher");
        JobDelivery delivery = Builder.required(b.delivery, "delivery");
        Wakeups jobEvents = Builder.required(b.jobEvents, "jobEvents");
        ServerMetrics metrics = Builder.required(b.metrics, "metrics");
        StatsQuery stats = Builder.required(b.stats, "stats");
        Supplier<String> storeProblem = Builder.required(b.storeProblem, "storeProblem");
        VariableStore variables = Builder.required(b.variables, "variables");

        Auth auth = new Auth(apiTokens, runners, jobs, audit, metrics, clock);
        return Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true; // long-polls park cheaply
            cfg.startup.showJavalinBanner = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            ErrorAnswers.configure(cfg);
            cfg.jsonMapper(new JavalinJackson(Json.lenient(), false));
            // latency and status by route template (bounded: never the concrete path with its ids)
            cfg.requestLogger.http(
                    (ctx, ms) -> metrics.httpRequest(method(ctx), route(ctx), ctx.statusCode(), ms / 1000.0));
            cfg.jetty.addConnector((server, httpConfig) -> {
                ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                c.setHost(config.host());
                c.setPort(config.port());
                // a held long-poll must never be cut by the idle timeout
                c.setIdleTimeout(config.longPollMax().toMillis() + 30_000);
                return c;
            });
            RoutesConfig routes = cfg.routes;
            routes.get(ApiPaths.HEALTH, ctx -> {
                String problem = storeProblem.get();
                if (problem == null) ctx.json(Map.of("status", "ok"));
                else ctx.status(503).json(Map.of("status", "unhealthy", "detail", problem));
            });
            // each route group gets what it uses, and nothing else
            new JobRoutes(new JobRoutes.Deps(config, auth, jobs, logs, runners, jobEvents, clock)).register(routes);
            new MetricsRoutes(new MetricsRoutes.Deps(config, auth, jobs, runners, metrics, stats, clock))
                    .register(routes);
            new RunRoutes(new RunRoutes.Deps(
                            config, auth, starter, scheduler, git, runs, jobs, logs, runners, audit, clock))
                    .register(routes);
            new WorkflowRoutes(new WorkflowRoutes.Deps(auth, git)).register(routes);
            new WebhookRoutes(new WebhookRoutes.Deps(config, auth, webhooks, starter, git, audit, metrics, clock))
                    .register(routes);
            new ArtifactRoutes(new ArtifactRoutes.Deps(auth, artifacts, jobs, runs, metrics, clock)).register(routes);
            new CacheRoutes(new CacheRoutes.Deps(auth, caches, jobs, runs, clock)).register(routes);
            new RunnerRoutes(new RunnerRoutes.Deps(config, auth, runners, dispatcher, audit, metrics, clock))
                    .register(routes);
            new PoolRoutes(new PoolRoutes.Deps(config, auth, pools, jobs, dispatcher, audit, clock)).register(routes);
            new SecretRoutes(new SecretRoutes.Deps(config, auth, secrets, audit, clock)).register(routes);
            new VariableRoutes(new VariableRoutes.Deps(config, auth, variables, audit, clock)).register(routes);
            new EnvironmentRoutes(new EnvironmentRoutes.Deps(
                            config,
                            auth,
                            new EnvironmentStore(runs.database()),
                            new Deployments(runs.database()),
                            runs,
                            scheduler,
                            audit,
                            clock))
                    .register(routes);
            new TokenRoutes(new TokenRoutes.Deps(config, auth, apiTokens, runners, audit, clock)).register(routes);
            new AuditRoutes(new AuditRoutes.Deps(auth, audit, clock)).register(routes);
            new RunnerProtocolRoutes(new RunnerProtocolRoutes.Deps(
                            config, auth, dispatcher, delivery, jobs, runners, logs, jobEvents, audit, metrics, clock))
                    .register(routes);
            new DashboardRoutes().register(routes);
            headAsGet(cfg);

            ErrorAnswers.register(routes, config.maxBodyBytes());
        });
    }

    /**
     * HEAD runs the GET handler (Jetty sends no body): Javalin alone answers 200 to a HEAD of any GET route without
     * running it, so a HEAD would pass without a token and say 200 for a job that does not exist. The log event
     * stream is left out: its handler holds the answer until the job ends. Call it once every GET route is registered.
     */
    private static void headAsGet(JavalinConfig cfg) {
        var endpoints = cfg.unsafe.internalRouter.allHttpHandlers().stream()
                .map(e -> e.endpoint)
                .filter(e -> e.method.equals(HandlerType.GET))
                .filter(e -> !e.path.equals(ApiPaths.JOB_LOG_EVENTS))
                .toList();
        for (var e : endpoints) cfg.routes.head(e.path, e.handler);
    }

    /** HTTP methods as the metrics name them: any other (a client may send any token) is {@code INVALID}. */
    private static final Set<String> KNOWN_METHODS = HandlerType.values().stream()
            .filter(HandlerType::isHttpMethod)
            .map(HandlerType::name)
            .collect(Collectors.toUnmodifiableSet());

    /** The request's method for a metrics label: bounded, as Javalin 6 bounded it (unknown methods were INVALID). */
    static String method(Context ctx) {
        String m = ctx.method().name();
        return KNOWN_METHODS.contains(m) ? m : "INVALID";
    }

    /** The matched route's template ({@code /api/v1/jobs/{id}}), or {@code unmatched}: never a path with ids. */
    private static String route(Context ctx) {
        Endpoint e = ctx.endpoints().lastHttpEndpoint(); // null when no route matched (404, 405)
        return e == null || e.path.isEmpty() || e.path.equals("*") ? "unmatched" : e.path;
    }
}
