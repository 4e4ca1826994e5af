package dev.runway.server.dashboard;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The dashboard: static HTML, JavaScript and CSS from the class path ({@code dashboard/}), {@code index.html} at
 * {@code /} and the rest under {@code /dashboard/}. The files hold no data, so they need no token; the page asks the
 * user for an API token and sends it with every API call. A strict Content-Security-Policy keeps anything but the
 * control plane's own scripts and styles out of the page.
 */
public final class DashboardRoutes {
    public static final String PREFIX = "/dashboard/";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*\\.(html|js|css|svg|png|ico)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    public void register(RoutesConfig routes) {
        routes.get("/", ctx -> serve(ctx, "index.html"));
        routes.get(PREFIX + "{file}", ctx -> serve(ctx, ctx.pathParam("file")));
    }

    private void serve(Context ctx, String name) {
        byte[] body = NAME.matcher(name).matches() ? read(name) : null;
        if (body == null) {
            ctx.status(404).contentType("text/plain; charset=utf-8").result("no such dashboard file: " + name);
            return;
        }
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cache-Control", "no-cache");
        ctx.contentType(TYPES.get(name.substring(name.lastIndexOf('.') + 1))).result(body);
    }

    private byte[] read(String name) {
        byte[] cached = cache.get(name);
        if (cached != null) return cached;
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) return null;
            byte[] b = in.readAllBytes();
            cache.put(name, b);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
