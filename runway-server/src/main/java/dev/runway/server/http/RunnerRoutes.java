package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Durations;
import dev.runway.protocol.Json;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunnerList;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.Transition;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registration tokens, runner registration and the runner list (user side of runners). */
final class RunnerRoutes {
    private static final Logger log = LoggerFactory.getLogger(RunnerRoutes.class);
    static final Duration MAX_REGISTRATION_TOKEN_LIFETIME = Duration.ofDays(30);

    /** What the runner routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            RunnerStore runners,
            Dispatcher dispatcher,
            AuditLog audit,
            ServerMetrics metrics,
            InstantSource clock) {}

    private final Deps s;

    RunnerRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.REGISTRATION_TOKENS, this::createRegistrationToken);
        routes.get(ApiPaths.REGISTRATION_TOKENS, ctx -> {
            s.auth().admin(ctx);
            ctx.json(s.runners().registrationTokens().stream()
                    .map(t -> new RegistrationTokenView(
                            t.id(),
                            null,
                            Instant.ofEpochMilli(t.createdAt()),
                            Instant.ofEpochMilli(t.expiresAt()),
                            t.maxUses(),
                            t.uses(),
                            t.revoked()))
                    .toList());
        });
        routes.post(ApiPaths.RUNNERS_REGISTER, this::registerRunner);
        routes.get(ApiPaths.RUNNERS, ctx -> {
            s.auth().viewer(ctx);
            long now = s.clock().millis();
            long offlineAfter = s.config().offlineAfter().toMillis();
            Map<String, Integer> running = s.runners().runningCounts();
            ctx.json(new RunnerList(s.runners().list().stream()
                    .map(r -> Views.runner(r, running.getOrDefault(r.id(), 0), now, offlineAfter))
                    .toList()));
        });
        routes.delete(ApiPaths.RUNNER, ctx -> {
            var caller = s.auth().admin(ctx);
            String id = ctx.pathParam("id");
            if ("true".equals(ctx.queryParam("ifIdle"))) {
                // the fleet scaler stopping an idle runner: never one that is running (or claiming) a job
                switch (s.runners().retire(id)) {
                    case UNKNOWN -> throw ApiException.notFound("no runner with id '" + id + "'");
                    case BUSY ->
                        throw new ApiException(
                                409, "runner_busy", "runner '" + id + "' is running a job; it was not removed");
                    case RETIRED -> {}
                }
            } else {
                RunnerRecord runner = s.runners().get(id);
                List<Transition> ended = s.runners().delete(id, s.clock().millis());
                if (ended == null) throw ApiException.notFound("no runner with id '" + id + "'");
                for (Transition t : ended)
                    log.warn(
                            "job {}: runner {} was deleted; its attempt ended, now {}",
                            t.jobId(),
                            runner.id(),
                            t.to().wireName());
            }
            s.dispatcher().release(id);
            s.dispatcher().signalChange();
            s.audit().record(caller.id(), "runner.removed", id, null);
            ctx.status(204);
        });
    }

    private void createRegistrationToken(Context ctx) {
        var caller = s.auth().admin(ctx);
        byte[] raw = Bodies.bytes(ctx, s.config().maxBodyBytes());
        RegistrationTokenRequest req = raw.length == 0
                ? new RegistrationTokenRequest(null, null)
                : Bodies.json(
                        ctx,
                        Json.strict(),
                        RegistrationTokenRequest.class,
                        s.config().maxBodyBytes());
        Duration ttl;
        try {
            ttl = req.expiresIn() == null ? Duration.ofHours(1) : Durations.parse(req.expiresIn());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("expiresIn: " + e.getMessage());
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_REGISTRATION_TOKEN_LIFETIME) > 0) {
            throw ApiException.badRequest(
                    "expiresIn: must be positive and at most 30d (registration tokens are short-lived)");
        }
        int maxUses = req.maxUses() == null ? 1 : req.maxUses();
        if (maxUses < 1 || maxUses > 10_000) throw ApiException.badRequest("maxUses: must be between 1 and 10000");
        if (req.pool() != null && !PoolRoutes.POOL_NAME.matcher(req.pool()).matches())
            throw ApiException.badRequest("pool: lower-case letters, digits, '.', '_' and '-', at most 63 characters");
        if (req.instance() != null
                && (req.instance().isBlank() || req.instance().length() > 200))
            throw ApiException.badRequest("instance: 1 to 200 characters");
        if (req.variant() != null
                && !req.variant().equals("stable")
                && !req.variant().equals("canary")) throw ApiException.badRequest("variant: 'stable' or 'canary'");
        if (req.pool() == null && (req.instance() != null || req.variant() != null))
            throw ApiException.badRequest("instance and variant belong to a pool: give pool too");
        long now = s.clock().millis();
        RunnerStore.NewRegistrationToken made = s.runners()
                .createRegistrationToken(
                        now,
                        now + ttl.toMillis(),
                        maxUses,
                        new RunnerStore.Placement(req.pool(), req.instance(), req.variant()));
        s.audit()
                .record(
                        caller.id(),
                        "registration-token.created",
                        made.id(),
                        maxUses + " use(s), expires in " + ttl + (req.pool() == null ? "" : ", pool " + req.pool()));
        ctx.status(201)
                .json(new RegistrationTokenView(
                        made.id(),
                        made.token(),
                        Instant.ofEpochMilli(now),
                        Instant.ofEpochMilli(now + ttl.toMillis()),
                        maxUses,
                        0,
                        false));
    }

    private void registerRunner(Context ctx) {
        RegisterRequest req = Bodies.json(
                ctx, Json.lenient(), RegisterRequest.class, s.config().maxBodyBytes());
        if (req.token() == null || req.token().isBlank())
            throw ApiException.badRequest("token: required, a registration token");
        String name = req.name() == null || req.name().isBlank()
                ? "runner"
                : req.name().strip();
        if (name.length() > 200) throw ApiException.badRequest("name: at most 200 characters");
        List<String> rawLabels = req.labels() == null ? List.of() : req.labels();
        for (String l : rawLabels) {
            if (l == null || l.isBlank() || l.contains(","))
                throw ApiException.badRequest("labels: each label must be a non-empty string without commas");
        }
        Set<String> labels = Labels.normalise(rawLabels);
        int slots = req.slots() <= 0 ? 1 : req.slots();
        if (slots > 1000) throw ApiException.badRequest("slots: at most 1000");
        s.auth().checkRegistration(req.token().strip());
        try {
            RunnerStore.Registered r = s.runners()
                    .register(
                            req.token().strip(),
                            name,
                            labels,
                            slots,
                            req.version(),
                            s.clock().millis());
            RunnerRecord rr = r.runner();
            if (rr.pool() != null && rr.requestedAt() != null)
                s.metrics().provisioned(rr.pool(), "registered", (rr.createdAt() - rr.requestedAt()) / 1000.0);
            s.dispatcher().signalChange();
            s.audit()
                    .record(
                            r.registrationTokenId(),
                            "runner.registered",
                            rr.id(),
                            "name " + rr.name() + ", labels " + rr.labels() + ", from " + ctx.ip());
            ctx.status(201)
                    .json(new RegisterResponse(
                            rr.id(),
                            rr.name(),
                            List.copyOf(rr.labels()),
                            r.credential(),
                            Instant.ofEpochMilli(s.clock().millis() + RunnerStore.CREDENTIAL_LIFETIME.toMillis())));
        } catch (RunnerStore.RegistrationRefused e) {
            if (e.getMessage().endsWith("not recognised"))
                throw s.auth().unknownRegistration(ctx, req.token().strip(), e.getMessage());
            s.auth().refusedRegistration(e.getMessage());
            throw ApiException.unauthorized(e.getMessage());
        }
    }
}
