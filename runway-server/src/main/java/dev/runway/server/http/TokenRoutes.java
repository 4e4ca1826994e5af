package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.Durations;
import dev.runway.protocol.Json;
import dev.runway.protocol.Role;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.RunnerStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API tokens with roles (admin only): create, list, revoke; and revoking registration tokens. Any API token may read
 * its own record ({@link ApiPaths#API_TOKEN_SELF}): the dashboard shows action buttons only to the roles that may use them.
 */
final class TokenRoutes {
    private static final Logger log = LoggerFactory.getLogger(TokenRoutes.class);
    /** GET: the calling API token's own record (role, name, expiry), never its value; any role. */
    static final Duration DEFAULT_LIFETIME = Duration.ofDays(90);

    static final Duration MAX_LIFETIME = Duration.ofDays(366);

    /** What the token routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            ApiTokenStore apiTokens,
            RunnerStore runners,
            AuditLog audit,
            InstantSource clock) {}

    private final Deps s;

    TokenRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.API_TOKENS, this::create);
        routes.get(ApiPaths.API_TOKEN_SELF, ctx -> ctx.json(view(s.auth().viewer(ctx), null)));
        routes.get(ApiPaths.API_TOKENS, ctx -> {
            s.auth().admin(ctx);
            ctx.json(new ApiTokenView.TokenList(
                    s.apiTokens().list().stream().map(t -> view(t, null)).toList()));
        });
        routes.delete(ApiPaths.API_TOKEN, ctx -> {
            ApiTokenStore.ApiToken caller = s.auth().admin(ctx);
            String id = ctx.pathParam("id");
            if (!s.apiTokens().revoke(id)) {
                if (s.apiTokens().exists(id))
                    throw new ApiException(409, "conflict", "token " + id + " is already revoked");
                throw ApiException.notFound("no API token with id '" + id + "'");
            }
            log.info("API token {} revoked by {}", id, caller.id());
            s.audit().record(caller.id(), "token.revoked", id, null);
            ctx.status(204);
        });
        routes.delete(ApiPaths.REGISTRATION_TOKEN, ctx -> {
            ApiTokenStore.ApiToken caller = s.auth().admin(ctx);
            String id = ctx.pathParam("id");
            if (!s.runners().revokeRegistrationToken(id))
                throw ApiException.notFound("no unrevoked registration token with id '" + id + "'");
            log.info("registration token {} revoked by {}", id, caller.id());
            s.audit().record(caller.id(), "registration-token.revoked", id, null);
            ctx.status(204);
        });
    }

    private void create(Context ctx) {
        ApiTokenStore.ApiToken caller = s.auth().admin(ctx);
        ApiTokenView.CreateRequest req = Bodies.json(
                ctx, Json.strict(), ApiTokenView.CreateRequest.class, s.config().maxBodyBytes());
        if (req.role() == null) throw ApiException.badRequest("role: required, one of viewer, operator, admin");
        Role role;
        try {
            role = Role.fromWire(req.role());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("role: " + e.getMessage());
        }
        Duration ttl;
        try {
            ttl = req.expiresIn() == null ? DEFAULT_LIFETIME : Durations.parse(req.expiresIn());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("expiresIn: " + e.getMessage());
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_LIFETIME) > 0)
            throw ApiException.badRequest("expiresIn: must be positive and at most 366d (tokens expire)");
        String name = req.name() == null ? null : req.name().strip();
        if (name != null && name.length() > 200) throw ApiException.badRequest("name: at most 200 characters");
        long now = s.clock().millis();
        ApiTokenStore.NewToken made = s.apiTokens().create(role.wireName(), name, now, now + ttl.toMillis());
        log.info("API token {} ({}) created by {}", made.id(), role.wireName(), caller.id());
        s.audit().record(caller.id(), "token.created", made.id(), "role " + role.wireName() + ", expires in " + ttl);
        ApiTokenStore.ApiToken t =
                new ApiTokenStore.ApiToken(made.id(), role.wireName(), name, now, now + ttl.toMillis(), null, false);
        ctx.status(201).json(view(t, made.token()));
    }

    private static ApiTokenView view(ApiTokenStore.ApiToken t, String token) {
        return new ApiTokenView(
                t.id(),
                token,
                t.role(),
                t.name(),
                Instant.ofEpochMilli(t.createdAt()),
                t.expiresAt() == null ? null : Instant.ofEpochMilli(t.expiresAt()),
                t.lastUsedAt() == null ? null : Instant.ofEpochMilli(t.lastUsedAt()),
                t.revoked());
    }
}
