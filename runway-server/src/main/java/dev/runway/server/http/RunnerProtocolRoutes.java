package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.LogContext;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RunnerHealth;
import dev.runway.server.secrets.ReportScrubber;
import dev.runway.server.secrets.SecretReferences;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.StateMachine;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** What runners call: long-poll for work, then heartbeat, stream logs and complete with the attempt's job token. */
final class RunnerProtocolRoutes {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RunnerProtocolRoutes.class);

    private final java.util.concurrent.ConcurrentHashMap<String, Long> lastTouch =
            new java.util.concurrent.ConcurrentHashMap<>();
    static final long TOUCH_EVERY_MILLIS = 1000;
    /** Annotations kept per job (GitHub keeps 10 of each level per step; a runaway loop must not fill the store). */
    static final int MAX_ANNOTATIONS = 100;

    private final Services s;

    RunnerProtocolRoutes(Services s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.post(ApiPaths.RUNNER_JOBS_NEXT, this::next);
        app.delete(ApiPaths.RUNNER_SELF, ctx -> {
            RunnerRecord r = s.auth().runner(ctx);
            s.runners().delete(r.id(), s.clock().millis());
            s.dispatcher().signalChange();
            ctx.status(204);
        });
        app.post(ApiPaths.RUNNER_HEALTH, ctx -> {
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
        app.post(ApiPaths.RUNNER_CREDENTIAL, ctx -> {
            RunnerRecord r = s.auth().runner(ctx);
            String presented = ctx.header("Authorization").substring(7).strip();
            dev.runway.server.store.RunnerStore.Rotated rotated =
                    s.runners().rotate(r.id(), presented, s.clock().millis());
            if (rotated == null)
                throw new ApiException(409, "conflict", "only the runner's current credential can be rotated");
            s.audit()
                    .record(
                            r.id(),
                            "runner.credential-rotated",
                            r.id(),
                            "expires " + java.time.Instant.ofEpochMilli(rotated.expiresAt()));
            ctx.json(new dev.runway.protocol.RegisterResponse.Rotated(
                    rotated.credential(), java.time.Instant.ofEpochMilli(rotated.expiresAt())));
        });
        app.post(ApiPaths.RUNNER_RELEASE, ctx -> {
            s.dispatcher().release(s.auth().runner(ctx).id());
            ctx.status(204);
        });
        app.post(ApiPaths.RUNNER_JOB_HEARTBEAT, this::heartbeat);
        app.post(ApiPaths.RUNNER_JOB_LOGS, this::appendLog);
        app.post(ApiPaths.RUNNER_JOB_COMPLETE, this::complete);
    }

    private void next(Context ctx) throws IOException {
        RunnerRecord runner = s.auth().runner(ctx);
        try (LogContext ignored = LogContext.runner(runner.id())) {
            next(ctx, runner);
        }
    }

    private void next(Context ctx, RunnerRecord runner) throws IOException {
        byte[] raw = Bodies.bytes(ctx, s.config().maxBodyBytes());
        int wait = raw.length == 0
                ? 0
                : Bodies.json(ctx, Json.lenient(), PollRequest.class, s.config().maxBodyBytes())
                        .waitSeconds();
        long waitMs =
                Math.max(0, Math.min(wait * 1000L, s.config().longPollMax().toMillis()));
        touch(runner.id());
        JobStore.Claim claim = s.dispatcher().next(runner, waitMs);
        touch(runner.id());
        if (claim == null) {
            ctx.status(204);
            return;
        }
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
            assign(ctx, runner, claim);
        }
    }

    private void assign(Context ctx, RunnerRecord runner, JobStore.Claim claim) throws IOException {
        JobRecord job = claim.job();
        JobSpec spec = Json.lenient().readValue(job.specJson(), JobSpec.class);
        // the job runs with the timeout the server decided, whatever the submitted spec said
        JobSpec effective = spec.withLimits((int) Math.max(1, job.timeoutMs() / 1000), job.maxAttempts());
        // the secrets its steps mention, decrypted for this attempt only (a workflow job's repository first)
        Map<String, String> secrets = Map.of();
        if (spec.workflow()) {
            try {
                secrets = secretsOf(job, spec);
            } catch (IllegalStateException e) {
                log.error("job {}: cannot deliver its secrets: {}", job.id(), e.getMessage());
            }
            if (!secrets.isEmpty()) {
                java.util.Set<String> names = new java.util.TreeSet<>(secrets.keySet());
                s.audit()
                        .record(
                                runner.id(),
                                "secret.delivered",
                                job.id() + "/" + job.attempt(),
                                String.join(",", names));
                log.info("job {} attempt {}: secrets {} delivered", job.id(), job.attempt(), names);
            }
        }
        ctx.json(new Assignment(
                job.id(),
                job.attempt(),
                claim.jobToken(),
                effective,
                (int) s.config().leaseTimeout().toSeconds(),
                (int) Math.max(1, s.config().heartbeatInterval().toSeconds()),
                secrets));
    }

    /** The secrets a workflow job's spec mentions, for its run's repository (none for a plain job). */
    private Map<String, String> secretsOf(JobRecord job, JobSpec spec) {
        if (!spec.workflow()) return Map.of();
        Object github = spec.contexts().get("github");
        Object repo = github instanceof Map<?, ?> g ? g.get("repository") : null;
        return s.secrets()
                .resolve(
                        repo == null ? null : String.valueOf(repo),
                        SecretReferences.sent(spec.contexts(), job.specJson()));
    }

    /**
     * The report without the secret values the job was sent (the runner masks and drops them already; this is the
     * control plane's own check, so a modified or faulty runner cannot store them).
     */
    private CompleteRequest scrubbed(String jobId, int attempt, CompleteRequest req) throws JsonProcessingException {
        JobRecord job = s.jobs().get(jobId);
        if (job == null) return req;
        Map<String, String> secrets;
        try {
            secrets = secretsOf(job, Json.lenient().readValue(job.specJson(), JobSpec.class));
        } catch (IllegalStateException e) {
            return req; // no key to open them with: none could have been sent
        }
        ReportScrubber scrubber = new ReportScrubber(secrets.values());
        CompleteRequest clean = scrubber.scrub(req);
        for (String d : scrubber.dropped())
            log.warn("job {} attempt {}: dropped {}: it holds a secret value", jobId, attempt, d);
        return clean;
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
        if (j.cancelRequested()) {
            ctx.json(new HeartbeatResponse(true, j.reason() != null ? j.reason() : "cancelled by a user"));
        } else if (j.startedAt() != null && now > j.startedAt() + j.timeoutMs()) {
            ctx.json(new HeartbeatResponse(true, "job timeout reached"));
        } else {
            ctx.json(new HeartbeatResponse(false, null));
        }
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
                s.metrics().logBytes(data.length);
                if (data.length > 0) s.jobEvents().signal(jobId);
                ctx.json(new LogAppendResponse(r.committed(), r.truncated()));
            }
        }
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
        if (req.result() == null
                || !req.result().isTerminal()
                || !StateMachine.legal(dev.runway.protocol.JobState.RUNNING, req.result())) {
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
        JobStore.CompleteOutcome outcome = s.jobs()
                .complete(
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
        if (outcome == JobStore.CompleteOutcome.STALE) throw ApiException.staleAttempt();
        // followers woken, dispatcher told, M1/M2 counted, the run moved on: the store's transitions' listeners
        if (outcome == JobStore.CompleteOutcome.COMPLETED) s.metrics().secretsMasked(req.secretsMasked());
        JobRecord done = s.jobs().get(jobId);
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
    private static dev.runway.protocol.RunnerResources checked(dev.runway.protocol.RunnerResources r) {
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
