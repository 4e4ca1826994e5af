package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.RerunRequest;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.dispatch.WaitReasons;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunOptions;
import dev.runway.server.runs.RunScheduler;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerStore;
import dev.runway.workflow.calls.JobKeys;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.parse.WorkflowParser;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The user API for workflow runs: start one from a repository (or a file's text), list, show, cancel. */
final class RunRoutes {
    /** What the run routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            RunStarter starter,
            RunScheduler scheduler,
            GitSource git,
            RunStore runs,
            JobStore jobs,
            LogStore logs,
            RunnerStore runners,
            AuditLog audit,
            InstantSource clock) {}

    private final Deps s;

    RunRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.RUNS, this::start);
        routes.get(ApiPaths.RUNS, ctx -> {
            s.auth().viewer(ctx);
            int limit = JobRoutes.intParam(ctx, "limit", 50, 1, 1000);
            ctx.json(new RunList(s.runs().list(limit).stream()
                    .map(r -> Views.run(r, null, s.clock().millis()))
                    .toList()));
        });
        routes.get(ApiPaths.RUN, ctx -> {
            s.auth().viewer(ctx);
            RunRecord r = find(ctx.pathParam("id"));
            int attempt = JobRoutes.intParam(ctx, "attempt", r.attempt(), 1, r.attempt());
            ctx.json(view(r, attempt));
        });
        routes.post(ApiPaths.RUN_RERUN, this::rerun);
        routes.post(ApiPaths.RUN_CANCEL, ctx -> {
            s.auth().operator(ctx);
            RunRecord r = find(ctx.pathParam("id"));
            if (r.state().isTerminal())
                throw new ApiException(
                        409,
                        "conflict",
                        "run " + r.id() + " already finished (" + r.state().wireName() + ")");
            ctx.status(202).json(view(s.scheduler().cancel(r.id())));
        });
    }

    private void start(Context ctx) throws JsonProcessingException {
        s.auth().operator(ctx);
        RunRequest req =
                Bodies.json(ctx, Json.strict(), RunRequest.class, s.config().maxBodyBytes());
        if (req.workflow() == null || req.workflow().isBlank())
            throw ApiException.badRequest("workflow: required, the workflow file's path in the repository");
        String text;
        String sha = null;
        String ref = req.ref();
        if (req.source() != null) {
            text = req.source();
            if (req.repo() != null && !req.repo().isBlank()) {
                try {
                    GitSource.Read at = s.git().resolve(req.repo(), req.ref());
                    sha = at.sha();
                    ref = at.ref() != null ? at.ref() : req.ref();
                } catch (GitSource.GitException e) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        } else {
            try {
                GitSource.Read read = s.git().read(req.repo(), req.ref(), req.workflow());
                text = read.text();
                sha = read.sha();
                ref = read.ref() != null ? read.ref() : req.ref();
            } catch (GitSource.GitException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        RunOptions options = new RunOptions(req.jobs(), req.matrix(), Boolean.TRUE.equals(req.workingTree()));
        if (options.workingTree() && !GitSource.isLocal(req.repo()))
            throw ApiException.badRequest("workingTree: needs repo to be a local directory");
        RunRecord run;
        try {
            run = s.starter()
                    .start(
                            req.workflow(),
                            text,
                            req.repo(),
                            ref,
                            sha,
                            req.event(),
                            req.inputs(),
                            options,
                            req.eventPayload() == null ? Map.of() : req.eventPayload());
        } catch (RunStarter.Rejected e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ctx.status(201).json(view(run));
    }

    private RunRecord find(String id) {
        RunRecord r = s.runs().get(id);
        if (r == null) throw ApiException.notFound("no run with id '" + id + "'");
        return r;
    }

    private void rerun(Context ctx) {
        String actor = s.auth().operator(ctx).id();
        RunRecord r = find(ctx.pathParam("id"));
        byte[] raw = Bodies.bytes(ctx, s.config().maxBodyBytes());
        RerunRequest req = raw.length == 0
                ? new RerunRequest(null, null)
                : Bodies.json(ctx, Json.strict(), RerunRequest.class, s.config().maxBodyBytes());
        boolean failed = Boolean.TRUE.equals(req.failed());
        if (failed && req.job() != null)
            throw ApiException.badRequest("failed and job: give one of them (the failed jobs, or one job), not both");
        if (req.job() != null && req.job().isBlank())
            throw ApiException.badRequest("job: the id of a job in the run's workflow (as under jobs:)");
        RunScheduler.Rerun what = failed
                ? new RunScheduler.Rerun.Failed()
                : req.job() != null ? new RunScheduler.Rerun.OneJob(req.job()) : new RunScheduler.Rerun.All();
        RunRecord after;
        try {
            after = s.scheduler().rerun(r.id(), what);
        } catch (RunScheduler.RerunRefused e) {
            throw new ApiException(
                    e.badRequest() ? 400 : 409, e.badRequest() ? "bad_request" : "conflict", e.getMessage());
        }
        s.audit().record(actor, "run.rerun", r.id(), "attempt " + after.attempt() + ": " + describe(what));
        ctx.status(202).json(view(after));
    }

    private static String describe(RunScheduler.Rerun what) {
        return switch (what) {
            case RunScheduler.Rerun.All all -> "all jobs";
            case RunScheduler.Rerun.Failed failed -> "failed jobs";
            case RunScheduler.Rerun.OneJob one -> "job " + one.key();
        };
    }

    private RunView view(RunRecord r) {
        return view(r, r.attempt());
    }

    /** The run with the jobs of one of its attempts (the current one unless asked). */
    private RunView view(RunRecord r, int attempt) {
        long now = s.clock().millis();
        List<JobRecord> jobs =
                attempt == r.attempt() ? s.jobs().ofRun(r.id()) : s.jobs().ofRunAttempt(r.id(), attempt);
        var waits =
                WaitReasons.lazily(s.runners(), now, s.config().offlineAfter().toMillis());
        return Views.run(
                r,
                jobs.stream()
                        .map(j -> Views.job(j, j.attempt() == 0 ? 0 : s.logs().size(j.id(), j.attempt()), now, waits))
                        .toList(),
                needs(s.scheduler().workflow(r), jobs),
                now,
                attempt);
    }

    /** The job graph by job id: for each job, the jobs (every matrix leg) of the workflow jobs it needs. */
    static Map<String, List<String>> needs(WorkflowParser.Result parsed, List<JobRecord> jobs) {
        Map<String, List<String>> idsByKey = new LinkedHashMap<>();
        for (JobRecord j : jobs)
            if (j.jobKey() != null)
                idsByKey.computeIfAbsent(j.jobKey(), k -> new ArrayList<>()).add(j.id());
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JobRecord j : jobs) {
            List<String> ids = new ArrayList<>();
            // a job of a called workflow (caller/job) needs jobs of its own call; a need that is a call, all its jobs
            JobKeys.Found found = parsed.workflow() == null || j.jobKey() == null
                    ? null
                    : JobKeys.find(parsed.workflow(), j.jobKey());
            if (found != null) {
                for (String n : found.job().needs()) {
                    String key = found.prefix() + n;
                    Job need = found.workflow().jobs().get(n);
                    if (need != null && need.call() != null) {
                        idsByKey.forEach((k, l) -> {
                            if (JobKeys.within(key, k)) ids.addAll(l);
                        });
                    } else ids.addAll(idsByKey.getOrDefault(key, List.of()));
                }
            }
            out.put(j.id(), ids);
        }
        return out;
    }
}
