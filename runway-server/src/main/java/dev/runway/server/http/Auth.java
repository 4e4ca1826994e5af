package dev.runway.server.http;

import dev.runway.protocol.Role;
import dev.runway.protocol.TokenPrefixes;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.ServerMetrics.AuthFailure;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import io.javalin.http.Context;
import java.time.InstantSource;

/** Who is calling: an API token (users), a runner credential, or an attempt's job token. */
final class Auth {
    private final ApiTokenStore apiTokens;
    private final RunnerStore runners;
    private final JobStore jobs;
    private final InstantSource clock;

    private final dev.runway.server.audit.AuditLog audit;
    private final ServerMetrics metrics;

    Auth(
            ApiTokenStore apiTokens,
            RunnerStore runners,
            JobStore jobs,
            dev.runway.server.audit.AuditLog audit,
            ServerMetrics metrics,
            InstantSource clock) {
        this.audit = audit;
        this.apiTokens = apiTokens;
        this.runners = runners;
        this.jobs = jobs;
        this.clock = clock;
        this.metrics = metrics;
        this.failures = new AuthFailures(clock);
    }

    private final AuthFailures failures;

    /** 429 while the caller's address is over the limit of unknown credentials. */
    void checkRate(Context ctx) {
        rateLimit(ctx);
    }

    private void rateLimit(Context ctx) {
        try {
            failures.check(ctx.ip());
        } catch (ApiException e) {
            metrics.authFailure(AuthFailure.RATE_LIMITED);
            throw e;
        }
    }

    /** A refused credential of {@code kind}: counted, and the exception to throw. */
    private ApiException refused(AuthFailure kind, ApiException e) {
        metrics.authFailure(kind);
        return e;
    }

    /** A refused registration (its token expired, revoked or used up) counts like other refused credentials. */
    void refusedRegistration(String message) {
        metrics.authFailure(message.contains("revoked") ? AuthFailure.REVOKED : AuthFailure.EXPIRED);
    }

    /** A registration with an unknown registration token counts like any unknown credential. */
    void unknownRegistration(Context ctx) {
        metrics.authFailure(AuthFailure.UNKNOWN_CREDENTIAL);
        failures.failed(ctx.ip());
        audit.record(ctx.ip(), "auth.unknown-credential", ctx.method() + " " + ctx.path(), "registration token");
    }

    /** An unknown token: counted against the caller's address, then refused. */
    private ApiException unknown(Context ctx, String message) {
        metrics.authFailure(AuthFailure.UNKNOWN_CREDENTIAL);
        failures.failed(ctx.ip());
        audit.record(ctx.ip(), "auth.unknown-credential", ctx.method() + " " + ctx.path(), message);
        return ApiException.unauthorized(message);
    }

    /** Any valid API token. */
    ApiTokenStore.ApiToken user(Context ctx) {
        String t = bearer(ctx, TokenPrefixes.API, "an API token");
        ApiTokenStore.ApiToken token = apiTokens.byToken(t);
        if (token == null) throw unknown(ctx, "API token not recognised");
        if (token.revoked()) throw refused(AuthFailure.REVOKED, ApiException.unauthorized("API token was revoked"));
        long now = clock.millis();
        if (token.expiresAt() != null && token.expiresAt() <= now)
            throw refused(AuthFailure.EXPIRED, ApiException.unauthorized("API token expired"));
        apiTokens.used(token, now);
        return token;
    }

    /** An API token whose role includes {@code needed}; 403 naming both roles otherwise. */
    ApiTokenStore.ApiToken require(Context ctx, Role needed) {
        ApiTokenStore.ApiToken t = user(ctx);
        Role has;
        try {
            has = Role.fromWire(t.role());
        } catch (IllegalArgumentException e) {
            has = Role.VIEWER;
        }
        if (!has.includes(needed)) {
            audit.record(
                    t.id(),
                    "auth.denied",
                    ctx.method() + " " + ctx.path(),
                    "needs " + needed.wireName() + ", has " + has.wireName());
            metrics.authFailure(AuthFailure.FORBIDDEN);
            throw new ApiException(
                    403,
                    "forbidden",
                    "this call needs the " + needed.wireName() + " role; this token has " + has.wireName());
        }
        return t;
    }

    /** Reading jobs, runs, logs, artifacts and runners. */
    ApiTokenStore.ApiToken viewer(Context ctx) {
        return require(ctx, Role.VIEWER);
    }

    /** Submitting and cancelling. */
    ApiTokenStore.ApiToken operator(Context ctx) {
        return require(ctx, Role.OPERATOR);
    }

    /** Tokens, secrets, runners. */
    ApiTokenStore.ApiToken admin(Context ctx) {
        return require(ctx, Role.ADMIN);
    }

    RunnerRecord runner(Context ctx) {
        String t = bearer(ctx, TokenPrefixes.RUNNER, "a runner credential");
        RunnerStore.CredentialCheck check = runners.byCredential(t, clock.millis());
        if (check == null) throw unknown(ctx, "runner credential not recognised");
        RunnerRecord r = check.runner();
        if (check.problem() != null && !r.deleted())
            throw refused(AuthFailure.EXPIRED, ApiException.unauthorized(check.problem()));
        if (r.deleted())
            throw refused(
                    AuthFailure.REVOKED,
                    ApiException.unauthorized("runner was deleted; register it again with a new registration token"));
        return r;
    }

    /** The running attempt of {@code jobId} this job token belongs to; 409 once it is no longer current. */
    AttemptRecord attempt(Context ctx, String jobId) {
        return attempt(ctx, jobId, false);
    }

    /** As {@link #attempt(Context, String)}, but with {@code allowFinished} a finished attempt passes too (idempotent completion). */
    AttemptRecord attempt(Context ctx, String jobId, boolean allowFinished) {
        String t = bearer(ctx, TokenPrefixes.JOB, "a job token");
        AttemptRecord a = jobs.attemptByToken(t);
        if (a == null || !a.jobId().equals(jobId)) throw unknown(ctx, "job token not recognised for job " + jobId);
        if (!a.running() && !(allowFinished && "finished".equals(a.state()))) throw ApiException.staleAttempt();
        return a;
    }

    private String bearer(Context ctx, String prefix, String what) {
        rateLimit(ctx);
        String h = ctx.header("Authorization");
        if (h == null || h.isBlank())
            throw refused(
                    AuthFailure.MISSING,
                    ApiException.unauthorized("missing Authorization header; send 'Bearer <"
                            + what.replace("a ", "").replace("an ", "") + ">'"));
        if (!h.regionMatches(true, 0, "Bearer ", 0, 7))
            throw refused(
                    AuthFailure.MISSING, ApiException.unauthorized("Authorization header must be 'Bearer <token>'"));
        String t = h.substring(7).strip();
        if (!t.startsWith(prefix)) {
            throw refused(
                    AuthFailure.WRONG_KIND,
                    ApiException.unauthorized("this call needs " + what + " (starting with '" + prefix + "')"));
        }
        return t;
    }
}
