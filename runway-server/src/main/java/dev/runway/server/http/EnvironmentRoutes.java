package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.EnvironmentView;
import dev.runway.protocol.Json;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.environments.Deployments;
import dev.runway.server.environments.EnvironmentStore;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.RunStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;

/**
 * Deployment environments and their protection rules (admins set them, anyone who may read the API reads them),
 * and the deployment requests of a run, which the environment's reviewers approve or reject. Every change and every
 * decision is audited.
 */
final class EnvironmentRoutes {
    /** What the environment routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            EnvironmentStore environments,
            Deployments deployments,
            RunStore runs,
            RunScheduler scheduler,
            AuditLog audit,
            InstantSource clock) {}

    private final Deps s;

    EnvironmentRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.ENVIRONMENTS, ctx -> {
            s.auth().viewer(ctx);
            ctx.json(new EnvironmentView.EnvironmentList(s.environments().list().stream()
                    .map(EnvironmentRoutes::view)
                    .toList()));
        });
        routes.get(ApiPaths.ENVIRONMENT, ctx -> {
            s.auth().viewer(ctx);
            EnvironmentStore.Environment e = s.environments().get(name(ctx));
            if (e == null) throw ApiException.notFound("no environment '" + ctx.pathParam("name") + "' has rules");
            ctx.json(view(e));
        });
        routes.put(ApiPaths.ENVIRONMENT, this::set);
        routes.delete(ApiPaths.ENVIRONMENT, ctx -> {
            var caller = s.auth().admin(ctx);
            String name = name(ctx);
            if (!s.environments().delete(name)) throw ApiException.notFound("no environment '" + name + "' has rules");
            s.audit().record(caller.id(), "environment.deleted", name, null);
            ctx.status(204);
        });
        routes.get(ApiPaths.RUN_DEPLOYMENTS, ctx -> {
            s.auth().viewer(ctx);
            String run = run(ctx);
            ctx.json(new EnvironmentView.DeploymentList(s.deployments().ofRun(run).stream()
                    .map(EnvironmentRoutes::view)
                    .toList()));
        });
        routes.post(ApiPaths.RUN_DEPLOYMENTS, this::decide);
    }

    private void set(Context ctx) {
        var caller = s.auth().admin(ctx);
        String name = name(ctx);
        EnvironmentView.SetRequest req = Bodies.json(
                ctx, Json.strict(), EnvironmentView.SetRequest.class, s.config().maxBodyBytes());
        boolean created;
        try {
            created = s.environments()
                    .set(
                            name,
                            req.reviewers() == null ? List.of() : req.reviewers(),
                            req.waitSeconds() == null ? 0 : req.waitSeconds(),
                            req.branches() == null ? List.of() : req.branches(),
                            s.clock().millis());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        EnvironmentStore.Environment stored = s.environments().get(name);
        s.audit()
                .record(
                        caller.id(),
                        "environment.set",
                        name,
                        "reviewers=" + stored.reviewers() + " wait=" + stored.waitSeconds() + "s branches="
                                + stored.branches());
        ctx.status(created ? 201 : 200).json(view(stored));
    }

    /** A reviewer's decision: only a token whose name the environment lists may make it, whatever its role. */
    private void decide(Context ctx) {
        ApiTokenStore.ApiToken caller = s.auth().viewer(ctx);
        String run = run(ctx);
        EnvironmentView.Decision req = Bodies.json(
                ctx, Json.strict(), EnvironmentView.Decision.class, s.config().maxBodyBytes());
        if (req.environment() == null || req.environment().isBlank())
            throw ApiException.badRequest("environment: the name of the environment to decide for");
        String decision = req.decision() == null ? "" : req.decision().strip().toLowerCase(Locale.ROOT);
        if (!decision.equals("approve") && !decision.equals("reject"))
            throw ApiException.badRequest("decision: approve or reject");
        if (req.comment() != null && req.comment().length() > 4096)
            throw ApiException.badRequest("comment: at most 4096 characters");
        if (caller.name() == null || caller.name().isBlank())
            throw new ApiException(
                    403, "forbidden", "this token has no name, so it cannot be an environment's reviewer");
        Deployments.Request r;
        try {
            r = s.deployments()
                    .decide(
                            run,
                            req.environment(),
                            caller.name(),
                            decision.equals("approve"),
                            req.comment(),
                            s.clock().millis());
        } catch (Deployments.Refused e) {
            if (e.status() == 403)
                s.audit().record(caller.id(), "deployment.refused", run + ":" + req.environment(), e.getMessage());
            throw new ApiException(
                    e.status(),
                    switch (e.status()) {
                        case 403 -> "forbidden";
                        case 404 -> "not_found";
                        default -> "conflict";
                    },
                    e.getMessage());
        }
        s.audit()
                .record(
                        caller.id(),
                        decision.equals("approve") ? "deployment.approved" : "deployment.rejected",
                        run + ":" + r.environment(),
                        "by " + caller.name() + (r.comment() == null ? "" : ": " + r.comment()));
        s.scheduler().advance(run); // its jobs start (or fail) now
        ctx.json(view(r));
    }

    private String run(Context ctx) {
        String id = ctx.pathParam("id");
        if (s.runs().get(id) == null) throw ApiException.notFound("no run with id '" + id + "'");
        return id;
    }

    private static String name(Context ctx) {
        try {
            return EnvironmentStore.checkName(ctx.pathParam("name"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static EnvironmentView view(EnvironmentStore.Environment e) {
        return new EnvironmentView(
                e.name(),
                e.reviewers(),
                e.waitSeconds(),
                e.branches(),
                Instant.ofEpochMilli(e.createdAt()),
                Instant.ofEpochMilli(e.updatedAt()));
    }

    private static EnvironmentView.Deployment view(Deployments.Request r) {
        return new EnvironmentView.Deployment(
                r.runId(),
                r.runAttempt(),
                r.environment(),
                r.state().wireName(),
                Instant.ofEpochMilli(r.requestedAt()),
                Instant.ofEpochMilli(r.dueAt()),
                r.reviewers(),
                r.decidedBy(),
                r.decidedAt() == null ? null : Instant.ofEpochMilli(r.decidedAt()),
                r.comment());
    }
}
