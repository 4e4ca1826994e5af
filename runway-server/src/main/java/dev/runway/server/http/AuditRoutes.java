package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.AuditView;
import dev.runway.protocol.Durations;
import dev.runway.server.audit.AuditLog;
import io.javalin.config.RoutesConfig;
import java.time.Instant;
import java.time.InstantSource;

/** The audit log (admin): records by time and kind, and a walk of its hash chain. */
final class AuditRoutes {
    /** What the audit routes use. */
    record Deps(Auth auth, AuditLog audit, InstantSource clock) {}

    private final Deps s;

    AuditRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.AUDIT, ctx -> {
            s.auth().admin(ctx);
            String since = ctx.queryParam("since");
            long from;
            try {
                from = since == null || since.isBlank()
                        ? 0
                        : s.clock().millis() - Durations.parse(since).toMillis();
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("since: " + e.getMessage());
            }
            int limit = JobRoutes.intParam(ctx, "limit", 200, 1, 10_000);
            ctx.json(new AuditView.AuditList(s.audit().list(from, ctx.queryParam("kind"), limit).stream()
                    .map(e -> new AuditView(
                            e.seq(),
                            Instant.ofEpochMilli(e.at()),
                            e.actor(),
                            e.kind(),
                            e.subject(),
                            e.detail(),
                            e.hash()))
                    .toList()));
        });
        routes.get(ApiPaths.AUDIT_VERIFY, ctx -> {
            s.auth().admin(ctx);
            AuditLog.Verification v = s.audit().verify();
            ctx.json(new AuditView.Verification(v.ok(), v.records(), v.head(), v.brokenAt(), v.problem()));
        });
    }
}
