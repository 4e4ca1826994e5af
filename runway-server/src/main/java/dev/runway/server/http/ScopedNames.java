package dev.runway.server.http;

import dev.runway.server.secrets.SecretStore;
import io.javalin.http.Context;

/**
 * The {@code NAME} path part and {@code ?repo=} scope of the secret and variable routes, checked by the same rules
 * (GitHub's for both) and refused with a 400 that says which part is wrong.
 */
final class ScopedNames {
    /** The path's {@code {name}}, upper-cased; {@code kind} names it in the error ("secret", "variable"). */
    static String name(Context ctx, String kind) {
        try {
            return SecretStore.name(kind, ctx.pathParam("name"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * The request's scope: {@code ?env=} an environment's ({@code env:<name>}), else {@code ?repo=} as {@link
     * #scope(String)}.
     */
    static String scope(Context ctx) {
        try {
            return SecretStore.scope(ctx.queryParam("repo"), ctx.queryParam("env"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest((ctx.queryParam("env") != null ? "env: " : "repo: ") + e.getMessage());
        }
    }

    /** A listing's scope: as {@link #scope(Context)}, or null (every scope) when the request names none. */
    static String listScope(Context ctx) {
        return ctx.queryParam("repo") == null && ctx.queryParam("env") == null ? null : scope(ctx);
    }

    /** {@code repo} as a scope: "" for every repository, else owner/name. */
    static String scope(String repo) {
        try {
            return SecretStore.scope(repo);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("repo: " + e.getMessage());
        }
    }

    /** How the audit log names a scoped entry: {@code NAME} or {@code owner/name:NAME}. */
    static String subject(String scope, String name) {
        return scope.isEmpty() ? name : scope + ":" + name;
    }

    private ScopedNames() {}
}
