package dev.runway.server.http;

import dev.runway.protocol.Role;
import dev.runway.protocol.TokenPrefixes;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.metrics.ServerMetrics.AuthFailure;
import dev.runway.server.store.ApiTokenStore;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.AttemptState;
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

    private final AuditLog audit;
    private final ServerMetrics metrics;

    Auth(
            ApiTokenStore apiTokens,
            RunnerStore runners,
            JobStore jobs,
            AuditLog audit,
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

    /** A refused credential of {@code kind}: counted, and the exception to throw. */
    private ApiException refused(AuthFailure kind, ApiException e) {
        metrics.authFailure(kind);
        return e;
    }

    /** A refused registration (its token expired, revoked or used up) counts like other refused credentials. */
    void refusedRegistration(String message) {
        metrics.authFailure(message.contains("revoked") ? AuthFailure.REVOKED : AuthFailure.EXPIRED);
    }

    /** A registration with an unknown registration token counts like any unknown credential; the answer to throw. */
    ApiException unknownRegistration(Context ctx, String token, String message) {
        return unknown(ctx, token, message);
    }

    /** Before a registration token is looked up: 429 if it failed too often already. */
    void checkRegistration(String token) {
        notKnownBad(token);
    }

    /**
     * An unknown token: counted against the caller's address and the token, then refused with 401, or with 429 (and
     * no audit row) once either is over the limit. Only failed credentials get here: a valid one is never throttled.
     */
    private ApiException unknown(Context ctx, String token, String message) {
        ApiException tooMany = failures.failed(ctx.ip(), token);
        if (tooMany != null) return refused(AuthFailure.RATE_LIMITED, tooMany);
        metrics.authFailure(AuthFailure.UNKNOWN_CREDENTIAL);
        audit.record(ctx.ip(), "auth.unknown-credential", ctx.method() + " " + ctx.path(), message);
        return ApiException.unauthorized(message);
    }

    /** A token refused more than the limit in the window is refused again without a database lookup. */
    private void notKnownBad(String token) {
        ApiException e = failures.knownBad(token);
        if (e != null) throw refused(AuthFailure.RATE_LIMITED, e);
    }

    /** Any valid API token. */
    ApiTokenStore.ApiToken user(Context ctx) {
        String t = bearer(ctx, TokenPrefixes.API, "an API token");
        ApiTokenStore.ApiToken token = apiTokens.byToken(t);
        if (token == null) throw unknown(ctx, t, "API token not recognised");
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
        if (check == null) throw unknown(ctx, t, "runner credential not recognised");
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
        if (a == null) throw unknown(ctx, t, "job token not recognised for job " + jobId);
        // a real token sent for another job is a mistake, not a guess: refused, never counted against the token
        if (!a.jobId().equals(jobId))
            throw refused(
                    AuthFailure.WRONG_KIND, ApiException.unauthorized("job token not recognised for job " + jobId));
        if (!a.running() && !(allowFinished && a.state() == AttemptState.FINISHED)) throw ApiException.staleAttempt();
        return a;
    }

    /** The presented token of the expected kind (not yet looked up); 401 if missing or of another kind. */
    private String bearer(Context ctx, String prefix, String what) {
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
        notKnownBad(t);
        return t;
    }
}
