package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.PoolStatus;
import dev.runway.protocol.PoolView;
import dev.runway.protocol.QueueView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.PoolStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What the fleet scaler works from and reports to: the queue by label set (long-polled, woken by changes), pool
 * status reports, and the operator's pool decisions (drain, resume, canary promote and rollback).
 */
final class PoolRoutes {
    static final Pattern POOL_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    static final Duration VARIANT_WINDOW = Duration.ofHours(24);

    /** What the pool routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            PoolStore pools,
            JobStore jobs,
            Dispatcher dispatcher,
            AuditLog audit,
            InstantSource clock) {}

    private final Deps s;

    PoolRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.QUEUE, this::queue);
        routes.get(ApiPaths.POOLS, ctx -> {
            s.auth().viewer(ctx);
            long since = s.clock().millis() - VARIANT_WINDOW.toMillis();
            // ?stats=false: only the decisions (the scaler asks on every pass; the 24-hour figures cost queries)
            boolean stats = !"false".equals(ctx.queryParam("stats"));
            ctx.json(s.pools().list().stream().map(p -> view(p, since, stats)).toList());
        });
        routes.put(ApiPaths.POOL, ctx -> {
            s.auth().admin(ctx);
            String name = poolName(ctx);
            PoolStatus status =
                    Bodies.json(ctx, Json.strict(), PoolStatus.class, s.config().maxBodyBytes());
            try {
                s.pools()
                        .report(
                                name,
                                Json.lenient().writeValueAsString(status),
                                s.clock().millis());
            } catch (JsonProcessingException e) {
                throw ApiException.badRequest("status: " + e.getOriginalMessage());
            }
            ctx.status(204);
        });
        routes.delete(ApiPaths.POOL, ctx -> {
            var caller = s.auth().admin(ctx);
            String name = poolName(ctx);
            if (!s.pools().forget(name)) throw ApiException.notFound("no pool named '" + name + "'");
            s.audit().record(caller.id(), "pool.forgotten", name, null);
            ctx.status(204);
        });
        routes.post(
                ApiPaths.POOL_DRAIN,
                ctx -> decide(ctx, s.auth().operator(ctx), "pool.drained", name -> {
                    s.pools().setDraining(name, true, s.clock().millis());
                    s.dispatcher().signalChange();
                }));
        routes.post(
                ApiPaths.POOL_RESUME,
                ctx -> decide(ctx, s.auth().operator(ctx), "pool.resumed", name -> {
                    s.pools().setDraining(name, false, s.clock().millis());
                    s.dispatcher().signalChange();
                }));
        routes.post(
                ApiPaths.POOL_PROMOTE,
                ctx -> decide(
                        ctx,
                        s.auth().admin(ctx),
                        "pool.canary-promoted",
                        name -> s.pools().setCanary(name, "promoted", s.clock().millis())));
        routes.post(
                ApiPaths.POOL_ROLLBACK,
                ctx -> decide(
                        ctx,
                        s.auth().admin(ctx),
                        "pool.canary-rolled-back",
                        name -> s.pools()
                                .setCanary(name, "rolled-back", s.clock().millis())));
    }

    private void decide(Context ctx, ApiTokenStore.ApiToken caller, String event, Consumer<String> change) {
        String name = poolName(ctx);
        change.accept(name);
        s.audit().record(caller.id(), event, name, null);
        long since = s.clock().millis() - VARIANT_WINDOW.toMillis();
        ctx.json(view(s.pools().get(name), since, true));
    }

    private static String poolName(Context ctx) {
        String name = ctx.pathParam("id");
        if (!POOL_NAME.matcher(name).matches())
            throw ApiException.badRequest("pool name '" + name + "': lower-case letters, digits, '.', '_' and '-',"
                    + " starting with a letter or digit, at most 63 characters");
        return name;
    }

    private PoolView view(PoolStore.PoolRecord p, long since, boolean stats) {
        PoolStatus status = null;
        if (p.status() != null) {
            try {
                status = Json.lenient().readValue(p.status(), PoolStatus.class);
            } catch (JsonProcessingException e) {
                status = null; // written by an older scaler; the next report replaces it
            }
        }
        List<PoolView.VariantStats> variants = !stats
                ? List.of()
                : s.pools().variantOutcomes(p.name(), since).stream()
                        .map(v -> new PoolView.VariantStats(v.variant(), v.finished(), v.succeeded()))
                        .toList();
        return new PoolView(
                p.name(),
                p.draining(),
                p.canary(),
                status,
                p.reportedAt() == null ? null : Instant.ofEpochMilli(p.reportedAt()),
                variants,
                stats ? queueWait(s.pools().queueWaits(p.name(), since)) : null);
    }

    private static PoolView.QueueWait queueWait(long[] sorted) {
        if (sorted.length == 0) return null;
        return new PoolView.QueueWait(sorted.length, pct(sorted, 50), pct(sorted, 95));
    }

    static long pct(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** {@code ?since=VERSION&wait=SECONDS}: answers at once if the queue's version differs, else when it changes. */
    private void queue(Context ctx) {
        s.auth().viewer(ctx);
        String since = ctx.queryParam("since");
        long waitMs = Math.min(
                JobRoutes.intParam(ctx, "wait", 0, 0, Integer.MAX_VALUE) * 1000L,
                s.config().longPollMax().toMillis());
        long deadline = System.nanoTime() + waitMs * 1_000_000;
        while (true) {
            CompletableFuture<Void> changed = s.dispatcher().changes(); // before reading: no change is missed
            JobStore.QueueSnapshot snap = s.jobs().queueSnapshot();
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (since == null || !since.equals(snap.version()) || remaining <= 0) {
                int total = snap.groups().stream()
                        .mapToInt(JobStore.QueueGroup::queued)
                        .sum();
                ctx.json(new QueueView(
                        snap.version(),
                        total,
                        snap.groups().stream()
                                .map(g -> new QueueView.Group(
                                        List.copyOf(g.labels()), g.queued(), Instant.ofEpochMilli(g.oldestQueuedAt())))
                                .toList()));
                return;
            }
            // another replica's changes reach us through the database only: look again at least every second
            Wakeups.await(changed, Math.min(remaining, 1000));
        }
    }
}
