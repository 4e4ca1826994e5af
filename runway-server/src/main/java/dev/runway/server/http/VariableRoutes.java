package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.VariableView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.store.VariableStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Configuration variables ({@code vars.*}): anyone who may read the API reads them (they are not secret, and show
 * as they are); only admins set or delete them, as secrets. Every change is audited.
 */
final class VariableRoutes {
    /** What the variable routes use. */
    record Deps(ServerConfig config, Auth auth, VariableStore variables, AuditLog audit, InstantSource clock) {}

    private final Deps s;

    VariableRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.VARIABLES, ctx -> {
            s.auth().viewer(ctx);
            String scope = ScopedNames.listScope(ctx);
            ctx.json(new VariableView.VariableList(
                    s.variables().list(scope).stream().map(VariableRoutes::view).toList()));
        });
        routes.put(ApiPaths.VARIABLE, this::set);
        routes.delete(ApiPaths.VARIABLE, ctx -> {
            var caller = s.auth().admin(ctx);
            String scope = ScopedNames.scope(ctx);
            String name = ScopedNames.name(ctx, "variable");
            if (!s.variables().delete(scope, name))
                throw ApiException.notFound("no variable " + name + (scope.isEmpty() ? "" : " for " + scope));
            s.audit().record(caller.id(), "variable.deleted", ScopedNames.subject(scope, name), null);
            ctx.status(204);
        });
    }

    private void set(Context ctx) {
        var caller = s.auth().admin(ctx);
        String scope = ScopedNames.scope(ctx);
        String name = ScopedNames.name(ctx, "variable");
        VariableView.SetRequest req = Bodies.json(
                ctx, Json.lenient(), VariableView.SetRequest.class, s.config().maxBodyBytes());
        if (req.value() == null) throw ApiException.badRequest("value: required (it may be empty)");
        boolean created;
        try {
            created = s.variables().set(scope, name, req.value(), s.clock().millis());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        s.audit()
                .record(caller.id(), "variable.set", ScopedNames.subject(scope, name), created ? "created" : "updated");
        VariableStore.Variable stored = s.variables().list(scope).stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow();
        ctx.status(created ? 201 : 200).json(view(stored));
    }

    private static VariableView view(VariableStore.Variable v) {
        return new VariableView(
                v.scope().isEmpty() ? null : v.scope(),
                v.name(),
                v.value(),
                Instant.ofEpochMilli(v.createdAt()),
                Instant.ofEpochMilli(v.updatedAt()));
    }
}
