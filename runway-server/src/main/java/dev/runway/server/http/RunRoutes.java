package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.server.runs.Callees;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunInputs;
import dev.runway.server.runs.RunOptions;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.workflow.calls.JobKeys;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.parse.Diagnostic;
import dev.runway.workflow.parse.WorkflowParser;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The user API for workflow runs: start one from a repository (or a file's text), list, show, cancel. */
final class RunRoutes {
    private final Services s;

    RunRoutes(Services s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.post(ApiPaths.RUNS, this::start);
        app.get(ApiPaths.RUNS, ctx -> {
            s.auth().viewer(ctx);
            int limit = JobRoutes.intParam(ctx, "limit", 50, 1, 1000);
            ctx.json(new RunList(s.runs().list(limit).stream()
                    .map(r -> Views.run(r, null, s.clock().millis()))
                    .toList()));
        });
        app.get(ApiPaths.RUN, ctx -> {
            s.auth().viewer(ctx);
            ctx.json(view(find(ctx.pathParam("id"))));
        });
        app.post(ApiPaths.RUN_CANCEL, ctx -> {
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
        RunRecord run = create(req.workflow(), text, req.repo(), ref, sha, req.event(), req.inputs(), options);
        ctx.status(201).json(view(run));
    }

    /**
     * Starts a run of the workflow {@code text} (file {@code path} of {@code repo} at {@code sha}): parsed, inputs
     * resolved for {@code event}, stored, and its first jobs queued. 400 with the reasons if the workflow or the
     * inputs are wrong. Used by {@code POST /runs} and by webhooks.
     */
    RunRecord create(
            String path,
            String text,
            String repo,
            String ref,
            String sha,
            String event,
            java.util.Map<String, String> given,
            RunOptions options)
            throws JsonProcessingException {
        // parsed, matrices counted and every limit checked (dev.runway.workflow.Limits) before the store is touched
        // called workflows are read (local ones at the same commit), checked, and kept with the run
        Callees.Reader callees = new Callees(
                        s.git(),
                        s.config().dataDir().resolve("actions"),
                        s.config().github().repos())
                .reader(repo, sha, options.workingTree());
        WorkflowParser.Result parsed =
                WorkflowParser.parse(path, text, WorkflowParser.Options.DEFAULT.withCallees(callees));
        if (!parsed.ok()) {
            List<String> errors =
                    parsed.errors().stream().map(Diagnostic::toString).toList();
            throw ApiException.badRequest("the workflow has errors:\n  " + String.join("\n  ", errors));
        }
        List<String> unread = Callees.unread(parsed.workflow(), callees.failures());
        if (!unread.isEmpty())
            throw ApiException.badRequest(
                    "the workflow calls reusable workflows that cannot be read:\n  " + String.join("\n  ", unread));
        RunInputs inputs;
        try {
            inputs = RunInputs.resolve(parsed.workflow(), event, given);
            options.check(parsed.workflow());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String name = parsed.workflow().name() != null ? parsed.workflow().name() : path;
        RunRecord run = s.runs()
                .insert(
                        new RunStore.NewRun(
                                name,
                                path,
                                text,
                                repo,
                                ref,
                                sha,
                                inputs.event(),
                                Json.lenient().writeValueAsString(inputs.inputs()),
                                options.equals(RunOptions.NONE) ? null : options.json(),
                                callees.json()),
                        s.clock().millis());
        return s.scheduler().start(run.id(), parsed);
    }

    private RunRecord find(String id) {
        RunRecord r = s.runs().get(id);
        if (r == null) throw ApiException.notFound("no run with id '" + id + "'");
        return r;
    }

    private RunView view(RunRecord r) {
        long now = s.clock().millis();
        List<JobRecord> jobs = s.jobs().ofRun(r.id());
        return Views.run(
                r,
                jobs.stream()
                        .map(j -> Views.job(j, j.attempt() == 0 ? 0 : s.logs().size(j.id(), j.attempt()), now))
                        .toList(),
                needs(s.scheduler().workflow(r), jobs),
                now);
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
