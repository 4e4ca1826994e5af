package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.server.ServerConfig;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.StatsQuery;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import java.time.InstantSource;
import java.util.Map;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

/** The HTTP server: routes of the versioned API and one error shape for everything that goes wrong. */
public final class HttpApi {

    private HttpApi() {}

    public static Javalin create(
            ServerConfig config,
            ApiTokenStore apiTokens,
            RunnerStore runners,
            JobStore jobs,
            RunStore runs,
            RunScheduler scheduler,
            GitSource git,
            ArtifactStore artifacts,
            CacheStore caches,
            LogStore logs,
            Dispatcher dispatcher,
            Wakeups jobEvents,
            dev.runway.server.secrets.SecretStore secrets,
            dev.runway.server.audit.AuditLog audit,
            dev.runway.server.store.WebhookStore webhooks,
            dev.runway.server.store.PoolStore pools,
            ServerMetrics metrics,
            StatsQuery stats,
            InstantSource clock,
            java.util.function.Supplier<String> storeProblem) {
        Auth auth = new Auth(apiTokens, runners, jobs, audit, metrics, clock);
        Javalin app = Javalin.create(cfg -> {
            cfg.useVirtualThreads = true; // long-polls park cheaply
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            ErrorAnswers.configure(cfg);
            cfg.jsonMapper(new JavalinJackson(Json.lenient(), false));
            // latency and status by route template (bounded: never the concrete path with its ids)
            cfg.requestLogger.http(
                    (ctx, ms) -> metrics.httpRequest(ctx.method().name(), route(ctx), ctx.statusCode(), ms / 1000.0));
            cfg.jetty.addConnector((server, httpConfig) -> {
                ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                c.setHost(config.host());
                c.setPort(config.port());
                // a held long-poll must never be cut by the idle timeout
                c.setIdleTimeout(config.longPollMax().toMillis() + 30_000);
                return c;
            });
        });
        app.get(ApiPaths.HEALTH, ctx -> {
            String problem = storeProblem.get();
            if (problem == null) ctx.json(Map.of("status", "ok"));
            else ctx.status(503).json(Map.of("status", "unhealthy", "detail", problem));
        });
        Services services = new Services(
                config,
                auth,
                apiTokens,
                jobs,
                runs,
                scheduler,
                git,
                artifacts,
                caches,
                logs,
                runners,
                dispatcher,
                jobEvents,
                secrets,
                audit,
                pools,
                metrics,
                clock);
        new JobRoutes(services).register(app);
        new MetricsRoutes(services, stats).register(app);
        RunRoutes runRoutes = new RunRoutes(services);
        runRoutes.register(app);
        new WebhookRoutes(services, webhooks, runRoutes).register(app);
        new ArtifactRoutes(services).register(app);
        new CacheRoutes(services).register(app);
        new RunnerRoutes(services).register(app);
        new PoolRoutes(services).register(app);
        new SecretRoutes(services).register(app);
        new TokenRoutes(services).register(app);
        new AuditRoutes(services).register(app);
        new RunnerProtocolRoutes(services).register(app);
        new dev.runway.server.dashboard.DashboardRoutes().register(app);
        headAsGet(app);

        ErrorAnswers.register(app, config.maxBodyBytes());
        return app;
    }

    /**
     * HEAD runs the GET handler (Jetty sends no body): Javalin alone answers 200 to a HEAD of any GET route without
     * running it, so a HEAD would pass without a token and say 200 for a job that does not exist. The log event
     * stream is left out: its handler holds the answer until the job ends.
     */
    private static void headAsGet(Javalin app) {
        var endpoints = app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
                .map(e -> e.getEndpoint())
                .filter(e -> e.getMethod() == io.javalin.http.HandlerType.GET)
                .filter(e -> !e.getPath().equals(ApiPaths.JOB_LOG_EVENTS))
                .toList();
        for (var e : endpoints) app.head(e.getPath(), e.getHandler());
    }

    /** The matched route's template ({@code /api/v1/jobs/{id}}), or {@code unmatched}: never a path with ids. */
    private static String route(Context ctx) {
        try {
            String p = ctx.endpointHandlerPath();
            return p == null || p.equals("*") ? "unmatched" : p;
        } catch (RuntimeException e) {
            return "unmatched"; // no endpoint handled it (404)
        }
    }
}
