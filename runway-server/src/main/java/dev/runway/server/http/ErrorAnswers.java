package dev.runway.server.http;

import dev.runway.protocol.ApiError;
import dev.runway.server.store.StoreException;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One error shape for everything that goes wrong, whoever notices: a route ({@link ApiException}), Javalin (unknown
 * route, wrong method, body too large), an unexpected exception or {@link Error} in a handler or a before-handler
 * (500, details only in the log), or Jetty before any route runs ({@link JsonErrorHandler}).
 */
final class ErrorAnswers {
    private static final Logger log = LoggerFactory.getLogger(ErrorAnswers.class);
    private static final String ERROR_SENT = "runway.errorSent";
    static final String INTERNAL = "internal error; the control plane's log has the details";

    private ErrorAnswers() {}

    /** What must be set while Javalin is configured. */
    static void configure(JavalinConfig cfg) {
        cfg.http.prefer405over404 = true; // a known path with another method is 405, as docs/api.md says
        // Jetty's own answers (bad URI, headers too large, errors before the routes) in the JSON error shape
        cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
        cfg.jetty.modifyServletContextHandler(h -> h.setErrorHandler(new JsonErrorHandler.InContext()));
        // a StackOverflowError or OutOfMemoryError in a handler: Javalin's default is a 500 with an empty body
        cfg.router.javaLangErrorHandler((res, error) -> {
            log.error("request failed with {}", error.toString(), error);
            if (res.isCommitted()) return;
            try {
                res.resetBuffer();
                res.setStatus(500);
                res.setContentType("application/json");
                res.getOutputStream().write(JsonErrorHandler.body(500, null));
            } catch (IOException | RuntimeException e) {
                log.warn("cannot answer the failed request: {}", e.toString());
            }
        });
    }

    /** The exception and error mappers, once the routes are registered. */
    static void register(RoutesConfig routes, long maxBodyBytes) {
        routes.exception(ApiException.class, (e, ctx) -> {
            ctx.attribute(ERROR_SENT, true);
            ctx.status(e.status()).json(e.body() != null ? e.body() : new ApiError(e.code(), e.getMessage()));
        });
        routes.exception(
                HttpResponseException.class,
                (e, ctx) -> error(ctx, e.getStatus(), codeFor(e.getStatus()), message(ctx, e, maxBodyBytes)));
        routes.exception(Exception.class, (e, ctx) -> {
            if (diskFull(e)) { // logged once by the store, not once per request
                ctx.header("Retry-After", "10");
                error(ctx, 503, "unavailable", DISK_FULL);
                return;
            }
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal", INTERNAL);
        });
        routes.error(404, ctx -> {
            if (ctx.attribute(ERROR_SENT) == null)
                error(ctx, 404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path());
        });
        routes.error(405, ctx -> {
            if (ctx.attribute(ERROR_SENT) == null)
                error(ctx, 405, "method_not_allowed", ctx.req().getMethod() + " is not allowed on " + ctx.path());
        });
        routes.error(413, ctx -> {
            if (ctx.attribute(ERROR_SENT) == null)
                error(ctx, 413, "payload_too_large", "request body exceeds the limit of " + maxBodyBytes + " bytes");
        });
    }

    static final String DISK_FULL =
            "the control plane's disk is full: it cannot store this now; retry once an operator has freed space"
                    + " (see /healthz)";

    /** A full disk under the store or the blob directory, anywhere in the cause chain. */
    static boolean diskFull(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof StoreException s && s.diskFull()) return true;
            if (c instanceof IOException
                    && c.getMessage() != null
                    && c.getMessage().contains("No space left on device")) return true;
            if (c.getCause() == c) break;
        }
        return false;
    }

    private static void error(Context ctx, int status, String code, String message) {
        ctx.attribute(ERROR_SENT, true);
        ctx.status(status).json(new ApiError(code, message));
    }

    /** Javalin's own refusals in words (its messages name no types, but say little). */
    private static String message(Context ctx, HttpResponseException e, long maxBodyBytes) {
        return switch (e.getStatus()) {
            case 404 -> "no such endpoint: " + ctx.method() + " " + ctx.path();
            case 405 -> ctx.req().getMethod() + " is not allowed on " + ctx.path();
            case 413 -> "request body exceeds the limit of " + maxBodyBytes + " bytes";
            default -> JsonErrors.plain(e.getMessage());
        };
    }

    static String codeFor(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 409 -> "conflict";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 429 -> "too_many_requests";
            case 431 -> "headers_too_large";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal" : "error";
        };
    }
}
