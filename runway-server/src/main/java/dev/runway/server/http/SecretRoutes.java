package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.SecretView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.secrets.MasterKey;
import dev.runway.server.secrets.SecretStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secrets (admin only): set, list, delete, and rotate the master key. No call returns a value: secrets go in here
 * and out only to the attempt of a job that references them.
 */
final class SecretRoutes {
    private static final Logger log = LoggerFactory.getLogger(SecretRoutes.class);
    /** What the secret routes use. */
    record Deps(ServerConfig config, Auth auth, SecretStore secrets, AuditLog audit, InstantSource clock) {}

    private final Deps s;

    SecretRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.SECRETS, ctx -> {
            s.auth().admin(ctx);
            String scope = ScopedNames.listScope(ctx);
            ctx.json(new SecretView.SecretList(
                    s.secrets().list(scope).stream().map(x -> view(x, null)).toList()));
        });
        routes.put(ApiPaths.SECRET, this::set);
        routes.delete(ApiPaths.SECRET, ctx -> {
            var caller = s.auth().admin(ctx);
            String scope = ScopedNames.scope(ctx);
            String name = ScopedNames.name(ctx, "secret");
            if (!s.secrets().delete(scope, name))
                throw ApiException.notFound("no secret " + name + (scope.isEmpty() ? "" : " for " + scope));
            s.audit().record(caller.id(), "secret.deleted", ScopedNames.subject(scope, name), null);
            log.info("secret {}{} deleted", name, scope.isEmpty() ? "" : " (" + scope + ")");
            ctx.status(204);
        });
        routes.post(ApiPaths.SECRETS_ROTATE_KEY, ctx -> {
            var caller = s.auth().admin(ctx);
            MasterKey next = MasterKey.generate();
            int n;
            try {
                // the new key file first: should the re-encryption fail, the old key still opens every row (kept
                // as <file>.previous as well)
                MasterKey.replace(s.config().masterKeyFile(), next);
                n = s.secrets().rotate(next, s.clock().millis());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the new master key", e);
            }
            log.info("master key rotated to {}: {} secret(s) re-encrypted", next.id(), n);
            s.audit().record(caller.id(), "secrets.key-rotated", next.id(), n + " secret(s) re-encrypted");
            ctx.json(new SecretView.Rotated(n, next.id()));
        });
    }

    private void set(Context ctx) {
        var caller = s.auth().admin(ctx);
        String scope = ScopedNames.scope(ctx);
        String name = ScopedNames.name(ctx, "secret");
        SecretView.SetRequest req = Bodies.json(
                ctx, Json.lenient(), SecretView.SetRequest.class, s.config().maxBodyBytes());
        if (req.value() == null || req.value().isEmpty()) throw ApiException.badRequest("value: required, not empty");
        boolean created;
        try {
            created = s.secrets().set(scope, name, req.value(), s.clock().millis());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String warning = req.value().strip().length() < SecretStore.MIN_MASKED_LENGTH
                ? "the value is shorter than " + SecretStore.MIN_MASKED_LENGTH
                        + " characters: it will not be masked in job logs"
                : null;
        log.info("secret {}{} {}", name, scope.isEmpty() ? "" : " (" + scope + ")", created ? "created" : "updated");
        s.audit().record(caller.id(), "secret.set", ScopedNames.subject(scope, name), created ? "created" : "updated");
        SecretStore.Secret stored = s.secrets().list(scope).stream()
                .filter(x -> x.name().equals(name))
                .findFirst()
                .orElseThrow();
        ctx.status(created ? 201 : 200).json(view(stored, warning));
    }

    private static SecretView view(SecretStore.Secret x, String warning) {
        return new SecretView(
                x.scope().isEmpty() ? null : x.scope(),
                x.name(),
                Instant.ofEpochMilli(x.createdAt()),
                Instant.ofEpochMilli(x.updatedAt()),
                warning);
    }
}
