package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.PollRequest;
import dev.runway.server.ServerConfig;
import dev.runway.server.dispatch.Dispatcher;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/** What runners call: long-poll for work, then heartbeat, stream logs and complete with the attempt's job token. */
final class RunnerProtocolRoutes {
  private final ServerConfig config;
  private final Auth auth;
  private final RunnerStore runners;
  private final JobStore jobs;
  private final LogStore logs;
  private final Dispatcher dispatcher;
  private final Wakeups jobEvents;
  private final InstantSource clock;
  private final java.util.concurrent.ConcurrentHashMap<String, Long> lastTouch = new java.util.concurrent.ConcurrentHashMap<>();
  static final long TOUCH_EVERY_MILLIS = 1000;

  RunnerProtocolRoutes(ServerConfig config, Auth auth, RunnerStore runners, JobStore jobs, LogStore logs,
      Dispatcher dispatcher, Wakeups jobEvents, InstantSource clock) {
    this.config = config;
    this.auth = auth;
    this.runners = runners;
    this.jobs = jobs;
    this.logs = logs;
    this.dispatcher = dispatcher;
    this.jobEvents = jobEvents;
    this.clock = clock;
  }

  void register(Javalin app) {
    app.post(ApiPaths.RUNNER_JOBS_NEXT, this::next);
    app.delete(ApiPaths.RUNNER_SELF, ctx -> {
      RunnerRecord r = auth.runner(ctx);
      runners.delete(r.id());
      ctx.status(204);
    });
    app.post(ApiPaths.RUNNER_JOB_HEARTBEAT, this::heartbeat);
    app.post(ApiPaths.RUNNER_JOB_LOGS, this::appendLog);
    app.post(ApiPaths.RUNNER_JOB_COMPLETE, this::complete);
  }

  private void next(Context ctx) throws IOException {
    RunnerRecord runner = auth.runner(ctx);
    byte[] raw = Bodies.bytes(ctx, config.maxBodyBytes());
    int wait = raw.length == 0 ? 0 : Bodies.json(ctx, Json.lenient(), PollRequest.class, config.maxBodyBytes()).waitSeconds();
    long waitMs = Math.max(0, Math.min(wait * 1000L, config.longPollMax().toMillis()));
    touch(runner.id());
    JobStore.Claim claim = dispatcher.next(runner, waitMs);
    touch(runner.id());
    if (claim == null) {
      ctx.status(204);
      return;
    }
    JobRecord job = claim.job();
    JobSpec spec = Json.lenient().readValue(job.specJson(), JobSpec.class);
    // the job runs with the timeout the server decided, whatever the submitted spec said
    JobSpec effective = new JobSpec(spec.name(), spec.labels(), spec.env(), spec.steps(),
        (int) Math.max(1, job.timeoutMs() / 1000), job.maxAttempts());
    jobEvents.signal(job.id());
    ctx.json(new Assignment(job.id(), job.attempt(), claim.jobToken(), effective,
        (int) config.leaseTimeout().toSeconds(), (int) Math.max(1, config.heartbeatInterval().toSeconds())));
  }

  /** Records contact with a runner, at most once a second per runner: "last seen" needs no more, the database less. */
  private void touch(String runnerId) {
    long now = clock.millis();
    Long before = lastTouch.get(runnerId);
    if (before != null && now - before < TOUCH_EVERY_MILLIS) return;
    lastTouch.put(runnerId, now);
    runners.touch(runnerId, now);
  }

  private void heartbeat(Context ctx) {
    String jobId = ctx.pathParam("id");
    AttemptRecord a = auth.attempt(ctx, jobId);
    long now = clock.millis();
    JobRecord j = jobs.heartbeat(jobId, a.attempt(), now, config.leaseTimeout().toMillis());
    if (j == null) throw ApiException.staleAttempt();
    touch(a.runnerId());
    if (j.cancelRequested()) {
      ctx.json(new HeartbeatResponse(true, "cancelled by a user"));
    } else if (j.startedAt() != null && now > j.startedAt() + j.timeoutMs()) {
      ctx.json(new HeartbeatResponse(true, "job timeout reached"));
    } else {
      ctx.json(new HeartbeatResponse(false, null));
    }
  }

  private void appendLog(Context ctx) {
    String jobId = ctx.pathParam("id");
    AttemptRecord a = auth.attempt(ctx, jobId);
    long offset = JobRoutes.longParam(ctx, "offset", -1);
    if (offset < 0) throw ApiException.badRequest("offset: required, the byte offset of this chunk in the job's log");
    byte[] data = Bodies.bytes(ctx, config.maxBodyBytes());
    LogStore.Append r = logs.append(jobId, a.attempt(), offset, data, config.maxLogBytes());
    switch (r.outcome()) {
      case STALE -> throw ApiException.staleAttempt();
      case GAP -> throw new ApiException(409, "conflict", "offset " + offset + " is beyond the committed length " + r.committed(),
          new LogAppendResponse(r.committed(), r.truncated()));
      case APPENDED -> {
        if (data.length > 0) jobEvents.signal(jobId);
        ctx.json(new LogAppendResponse(r.committed(), r.truncated()));
      }
    }
  }

  private void complete(Context ctx) throws JsonProcessingException {
    String jobId = ctx.pathParam("id");
    AttemptRecord a = auth.attempt(ctx, jobId, true);
    if (!a.running()) { // a retry after a lost answer: completion is idempotent
      ctx.json(Map.of("state", jobs.get(jobId).state()));
      return;
    }
    CompleteRequest req = Bodies.json(ctx, Json.lenient(), CompleteRequest.class, config.maxBodyBytes());
    if (req.result() == null || !req.result().isTerminal()) {
      throw ApiException.badRequest("result: required, one of succeeded, failed, cancelled, timed_out");
    }
    String steps = Json.lenient().writeValueAsString(req.steps() == null ? List.of() : req.steps());
    JobStore.CompleteOutcome outcome = jobs.complete(jobId, a.attempt(), req.result(), req.reason(), steps, clock.millis());
    if (outcome == JobStore.CompleteOutcome.STALE) throw ApiException.staleAttempt();
    jobEvents.signal(jobId);
    ctx.json(Map.of("state", jobs.get(jobId).state()));
  }
}
