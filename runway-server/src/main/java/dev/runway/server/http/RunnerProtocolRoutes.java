package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.JobState;
import dev.runway.protocol.Json;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.LogContext;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RunnerHealth;
import dev.runway.protocol.RunnerResources;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.JobDelivery;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.StateMachine;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What runners call: long-poll for work, then heartbeat, stream logs and complete with the attempt's job token. */
final class RunnerProtocolRoutes {
    private static final Logger log = LoggerFactory.getLogger(RunnerProtocolRoutes.class);

    private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();
    static final long TOUCH_EVERY_MILLIS = 1000;
    /** Annotations kept per job (GitHub keeps 10 of each level per step; a runaway loop must not fill the store). */
    static final int MAX_ANNOTATIONS = 100;

    /** What the runner protocol routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            Dispatcher dispatcher,
            JobDelivery delivery,
            JobStore jobs,
            RunnerStore runners,
            LogStore logs,
            Wakeups jobEvents,
            AuditLog audit,
            ServerMetrics metrics,
            InstantSource clock) {}

    private final Deps s;

    RunnerProtocolRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.RUNNER_JOBS_NEXT, this::next);
        routes.delete(ApiPaths.RUNNER_SELF, ctx -> {
            RunnerRecord r = s.auth().runner(ctx);
            s.runners().delete(r.id(), s.clock().millis());
            s.dispatcher().signalChange();
            ctx.status(204);
        });
        routes.post(ApiPaths.RUNNER_HEALTH, ctx -> {
            RunnerRecord r = s.auth().runner(ctx);
            RunnerHealth h = Bodies.json(
                    ctx, Json.lenient(), RunnerHealth.class, s.config().maxBodyBytes());
            String reason = null;
            if (!h.healthy()) {
                if (h.reason() == null || h.reason().isBlank())
                    throw ApiException.badRequest("reason: required when healthy is false");
                reason = h.reason().length() > RunnerHealth.MAX_REASON
                        ? h.reason().substring(0, RunnerHealth.MAX_REASON)
                        : h.reason();
            }
            s.runners().health(r.id(), reason, checked(h.resources()), s.clock().millis());
            ctx.status(204);
        });
        routes.post(ApiPaths.RUNNER_CREDENTIAL, ctx -> {
            RunnerRecord r = s.auth().runner(ctx);
            String presented = ctx.header("Authorization").substring(7).strip();
            RunnerStore.Rotated rotated =
                    s.runners().rotate(r.id(), presented, s.clock().millis());
            if (rotated == null)
                throw new ApiException(409, "conflict", "only the runner's current credential can be rotated");
            s.audit()
                    .record(
                            r.id(),
                            "runner.credential-rotated",
                            r.id(),
                            "expires " + Instant.ofEpochMilli(rotated.expiresAt()));
            ctx.json(new RegisterResponse.Rotated(rotated.credential(), Instant.ofEpochMilli(rotated.expiresAt())));
        });
        routes.post(ApiPaths.RUNNER_RELEASE, ctx -> {
            s.dispatcher().release(s.auth().runner(ctx).id());
            ctx.status(204);
        });
        routes.post(ApiPaths.RUNNER_JOB_HEARTBEAT, this::heartbeat);
        routes.post(ApiPaths.RUNNER_LEASES, this::renewLeases);
        routes.post(ApiPaths.RUNNER_JOB_LOGS, this::appendLog);
        routes.post(ApiPaths.RUNNER_LOGS, this::appendLogs);
        routes.post(ApiPaths.RUNNER_JOB_COMPLETE, this::complete);
    }

    private void next(Context ctx) throws IOException {
        long arrived = System.nanoTime();
        RunnerRecord runner = s.auth().runner(ctx);
        try (LogContext ignored = LogContext.runner(runner.id())) {
            next(ctx, runner, arrived);
        }
    }

    private void next(Context ctx, RunnerRecord runner, long arrived) throws IOException {
        byte[] raw = Bodies.bytes(ctx, s.config().maxBodyBytes());
        int wait = raw.length == 0
                ? 0
                : Bodies.json(ctx, Json.lenient(), PollRequest.class, s.config().maxBodyBytes())
                        .waitSeconds();
        long waitMs =
                Math.max(0, Math.min(wait * 1000L, s.config().longPollMax().toMillis()));
        touch(runner.id());
        Dispatcher.Claimed claimed = s.dispatcher().next(runner, waitMs);
        if (claimed == null && s.dispatcher().closed()) {
            // released by the control plane's stop: nothing more to record, the store is closing
            ctx.status(204);
            return;
        }
        touch(runner.id());
        if (claimed == null) {
            ctx.status(204);
            return;
        }
        JobStore.Claim claim = claimed.claim();
        JobRecord job = claim.job();
        observeClaim(runner, job);
        try (LogContext ignored = LogContext.job(job.id(), job.attempt());
                LogContext ignoredRun = LogContext.run(job.runId())) {
            log.info(
                    "job {} attempt {} claimed by runner {} after {} ms queued",
                    job.id(),
                    job.attempt(),
                    runner.id(),
                    Math.max(0, s.clock().millis() - job.queuedAt()));
            long heldMillis = Math.max(0, (claimed.claimStartedNanos() - arrived) / 1_000_000);
            ctx.json(s.delivery().assign(runner.id(), claim, heldMillis));
        }
    }

    /** The report without the secret values the job was sent ({@link JobDelivery#scrubbed}). */
    private CompleteRequest scrubbed(String jobId, int attempt, CompleteRequest req) throws JsonProcessingException {
        JobRecord job = s.jobs().get(jobId);
        return job == null ? req : s.delivery().scrubbed(job, attempt, req);
    }

    /** Queue wait (M3) and, for a scaler's runner taking its first job, provisioning time (M4). */
    private void observeClaim(RunnerRecord runner, JobRecord job) {
        long started = job.startedAt() == null ? s.clock().millis() : job.startedAt();
        s.metrics().claimed(job.labels(), runner.pool(), (started - job.queuedAt()) / 1000.0);
        if (runner.pool() != null && runner.firstJobAt() == null && runner.requestedAt() != null)
            s.metrics().provisioned(runner.pool(), "first_job", (started - runner.requestedAt()) / 1000.0);
    }

    /** Records contact with a runner, at most once a second per runner: "last seen" needs no more, the database less. */
    private void touch(String runnerId) {
        long now = s.clock().millis();
        Long before = lastTouch.get(runnerId);
        if (before != null && now - before < TOUCH_EVERY_MILLIS) return;
        lastTouch.put(runnerId, now);
        s.runners().touch(runnerId, now);
    }

    private void heartbeat(Context ctx) {
        String jobId = ctx.pathParam("id");
        AttemptRecord a = s.auth().attempt(ctx, jobId);
        try (LogContext ignored = scope(a)) {
            heartbeat(ctx, jobId, a);
        }
    }

    private void heartbeat(Context ctx, String jobId, AttemptRecord a) {
        long now = s.clock().millis();
        JobRecord j = s.jobs()
                .heartbeat(jobId, a.attempt(), now, s.config().leaseTimeout().toMillis());
        if (j == null) throw ApiException.staleAttempt();
        touch(a.runnerId());
        String stop = stopReason(j, now);
        ctx.json(new HeartbeatResponse(stop != null, stop));
    }

    /** Why the agent should stop a job whose lease was just renewed (a cancel, its timeout), or null. */
    private static String stopReason(JobRecord j, long now) {
        if (j.cancelRequested()) return j.reason() != null ? j.reason() : "cancelled by a user";
        if (j.startedAt() != null && now > j.startedAt() + j.timeoutMs()) return "job timeout reached";
        return null;
    }

    /** The batched heartbeat: renews every listed attempt this runner runs, in one transaction. */
    private void renewLeases(Context ctx) {
        RunnerRecord runner = s.auth().runner(ctx);
        LeaseRenewal req =
                Bodies.json(Bodies.ownLimit(ctx, LeaseRenewal.MAX_BODY_BYTES), Json.lenient(), LeaseRenewal.class);
        if (req.attempts().size() > LeaseRenewal.MAX_ATTEMPTS)
            throw ApiException.badRequest("attempts: at most " + LeaseRenewal.MAX_ATTEMPTS + " in one call, got "
                    + req.attempts().size());
        for (int i = 0; i < req.attempts().size(); i++) {
            LeaseRenewal.Attempt a = req.attempts().get(i);
            if (a == null || a.jobId() == null || a.jobId().isBlank() || a.attempt() < 1)
                throw ApiException.badRequest("attempts[" + i + "]: needs a jobId and an attempt number of at least 1");
        }
        long now = s.clock().millis();
        Map<LeaseRenewal.Attempt, JobRecord> renewed = s.jobs()
                .renewLeases(
                        runner.id(),
                        req.attempts(),
                        s.clock()::millis,
                        s.config().leaseTimeout().toMillis());
        touch(runner.id());
        List<LeaseRenewal.Lease> out = new ArrayList<>(req.attempts().size());
        for (LeaseRenewal.Attempt a : req.attempts()) {
            JobRecord j = renewed.get(a);
            String stop = j == null ? null : stopReason(j, now);
            out.add(new LeaseRenewal.Lease(a.jobId(), a.attempt(), j != null, stop != null, stop));
        }
        ctx.json(new LeaseRenewal.Answer(out));
    }

    private void appendLog(Context ctx) {
        String jobId = ctx.pathParam("id");
        AttemptRecord a = s.auth().attempt(ctx, jobId);
        try (LogContext ignored = scope(a)) {
            appendLog(ctx, jobId, a);
        }
    }

    private void appendLog(Context ctx, String jobId, AttemptRecord a) {
        long offset = JobRoutes.longParam(ctx, "offset", -1);
        if (offset < 0)
            throw ApiException.badRequest("offset: required, the byte offset of this chunk in the job's log");
        byte[] data = Bodies.bytes(ctx, s.config().maxBodyBytes());
        LogStore.Append r =
                s.logs().append(jobId, a.attempt(), offset, data, s.config().maxLogBytes());
        switch (r.outcome()) {
            case STALE -> throw ApiException.staleAttempt();
            case GAP ->
                throw new ApiException(
                        409,
                        "conflict",
                        "offset " + offset + " is beyond the committed length " + r.committed(),
                        new LogAppendResponse(r.committed(), r.truncated()));
            case APPENDED -> {
                appended(jobId, data.length);
                ctx.json(new LogAppendResponse(r.committed(), r.truncated()));
            }
        }
    }

    /** Log bytes of a job arrived: counted, and its followers woken. */
    private void appended(String jobId, int bytes) {
        s.metrics().logBytes(bytes);
        if (bytes > 0) s.jobEvents().signal(jobId);
    }

    /** The batched upload: chunks of several of this runner's attempts, appended in one transaction. */
    private void appendLogs(Context ctx) {
        RunnerRecord runner = s.auth().runner(ctx);
        LogBatch req = Bodies.json(Bodies.ownLimit(ctx, LogBatch.MAX_BODY_BYTES), Json.lenient(), LogBatch.class);
        if (req.chunks().size() > LogBatch.MAX_CHUNKS)
            throw ApiException.badRequest("chunks: at most " + LogBatch.MAX_CHUNKS + " in one call, got "
                    + req.chunks().size());
        List<LogStore.Piece> pieces = new ArrayList<>(req.chunks().size());
        for (int i = 0; i < req.chunks().size(); i++) {
            LogBatch.Chunk c = req.chunks().get(i);
            if (c == null || c.jobId() == null || c.jobId().isBlank() || c.attempt() < 1)
                throw ApiException.badRequest("chunks[" + i + "]: needs a jobId and an attempt number of at least 1");
            if (c.offset() < 0 || c.data() == null)
                throw ApiException.badRequest(
                        "chunks[" + i + "]: needs an offset of at least 0 and data (the log bytes, base64)");
            pieces.add(new LogStore.Piece(c.jobId(), c.attempt(), c.offset(), c.data()));
        }
        List<LogStore.Append> done =
                s.logs().appendAll(runner.id(), pieces, s.config().maxLogBytes());
        touch(runner.id());
        List<LogBatch.Ack> out = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            LogStore.Piece p = pieces.get(i);
            LogStore.Append r = done.get(i);
            LogBatch.Status status = switch (r.outcome()) {
                case APPENDED -> LogBatch.Status.APPENDED;
                case GAP -> LogBatch.Status.GAP;
                case STALE -> LogBatch.Status.STALE;
            };
            if (status == LogBatch.Status.APPENDED) appended(p.jobId(), p.data().length);
            out.add(new LogBatch.Ack(p.jobId(), p.attempt(), status, r.committed(), r.truncated()));
        }
        ctx.json(new LogBatch.Answer(out));
    }

    private void complete(Context ctx) throws JsonProcessingException {
        String jobId = ctx.pathParam("id");
        AttemptRecord a = s.auth().attempt(ctx, jobId, true);
        try (LogContext ignored = scope(a)) {
            complete(ctx, jobId, a);
        }
    }

    /** The attempt a runner call concerns, as log context. */
    private static LogContext scope(AttemptRecord a) {
        return LogContext.with(
                LogContext.JOB_ID,
                a.jobId(),
                LogContext.ATTEMPT,
                Integer.toString(a.attempt()),
                LogContext.RUNNER_ID,
                a.runnerId());
    }

    private void complete(Context ctx, String jobId, AttemptRecord a) throws JsonProcessingException {
        if (!a.running()) { // a retry after a lost answer: completion is idempotent
            ctx.json(Map.of("state", s.jobs().get(jobId).state()));
            return;
        }
        CompleteRequest req = Bodies.json(
                ctx, Json.lenient(), CompleteRequest.class, s.config().maxBodyBytes());
        if (req.result() == null || !req.result().isTerminal() || !StateMachine.legal(JobState.RUNNING, req.result())) {
            throw ApiException.badRequest("result: required, one of succeeded, failed, cancelled, timed_out");
        }
        req = scrubbed(jobId, a.attempt(), req);
        String steps = Json.lenient().writeValueAsString(req.steps() == null ? List.of() : req.steps());
        String outputs = Json.lenient().writeValueAsString(req.outputs());
        String annotations = req.annotations().isEmpty()
                ? null
                : Json.lenient()
                        .writeValueAsString(req.annotations()
                                .subList(
                                        0,
                                        Math.min(
                                                MAX_ANNOTATIONS,
                                                req.annotations().size())));
        JobStore.Completed completed = s.jobs()
                .completeWith(
                        jobId,
                        a.attempt(),
                        new JobStore.Completion(
                                req.result(),
                                req.reason(),
                                steps,
                                outputs,
                                annotations,
                                req.usage(),
                                req.secretsMasked()),
                        s.clock().millis());
        JobStore.CompleteOutcome outcome = completed.outcome();
        if (outcome == JobStore.CompleteOutcome.STALE) throw ApiException.staleAttempt();
        // followers woken, dispatcher told, M1/M2 counted, the run moved on: the store's transitions' listeners
        if (outcome == JobStore.CompleteOutcome.COMPLETED) s.metrics().secretsMasked(req.secretsMasked());
        JobRecord done = completed.job(); // as the completion left it: no read after the write
        String runId = done.runId();
        try (LogContext ignored = LogContext.run(runId)) {
            log.info(
                    "job {} attempt {} finished: {} in {} ms{}",
                    jobId,
                    a.attempt(),
                    req.result().wireName(),
                    done.startedAt() == null || done.finishedAt() == null
                            ? "?"
                            : Long.toString(done.finishedAt() - done.startedAt()),
                    req.reason() == null ? "" : " (" + req.reason() + ")");
        }
        ctx.json(Map.of("state", req.result()));
    }

    /** The runner's resource figures, refused when they cannot be true (a ratio outside 0..1, used above total). */
    private static RunnerResources checked(RunnerResources r) {
        if (r == null) return null;
        if (r.cpuRatio() != null && !(r.cpuRatio() >= 0 && r.cpuRatio() <= 1))
            throw ApiException.badRequest("resources.cpuRatio: must be between 0 and 1, got " + r.cpuRatio());
        bytes("memory", r.memoryUsedBytes(), r.memoryTotalBytes());
        bytes("disk", r.diskUsedBytes(), r.diskTotalBytes());
        return r.at(null);
    }

    private static void bytes(String what, Long used, Long total) {
        if (used != null && used < 0)
            throw ApiException.badRequest("resources." + what + "UsedBytes: must not be negative");
        if (total != null && total <= 0)
            throw ApiException.badRequest("resources." + what + "TotalBytes: must be positive");
        if (used != null && total != null && used > total)
            throw ApiException.badRequest(
                    "resources." + what + "UsedBytes: " + used + " is more than " + what + "TotalBytes " + total);
    }
}
