package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ArtifactList;
import dev.runway.protocol.ArtifactView;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Artifacts: runners upload and download them for their job's run with the attempt's job token (so a fenced-off
 * attempt cannot write); users list and download them per run. Bodies stream: an artifact may be far larger than the
 * API's body limit.
 */
final class ArtifactRoutes {
    /** What the artifact routes use. */
    record Deps(
            Auth auth,
            ArtifactStore artifacts,
            JobStore jobs,
            RunStore runs,
            ServerMetrics metrics,
            InstantSource clock) {}

    private final Deps s;

    ArtifactRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.put(ApiPaths.RUNNER_JOB_ARTIFACT, this::upload);
        routes.get(ApiPaths.RUNNER_JOB_ARTIFACT, ctx -> {
            JobRecord job = runJob(ctx, s.auth().attempt(ctx, ctx.pathParam("id")));
            send(ctx, job.runId(), ctx.pathParam("name"));
        });
        routes.get(ApiPaths.RUNNER_JOB_ARTIFACTS, ctx -> {
            JobRecord job = runJob(ctx, s.auth().attempt(ctx, ctx.pathParam("id")));
            ctx.json(list(job.runId()));
        });
        routes.get(ApiPaths.RUN_ARTIFACTS, ctx -> {
            s.auth().viewer(ctx);
            ctx.json(list(run(ctx)));
        });
        routes.get(ApiPaths.RUN_ARTIFACT, ctx -> {
            s.auth().viewer(ctx);
            send(ctx, run(ctx), ctx.pathParam("name"));
        });
    }

    private void upload(Context ctx) throws IOException {
        AttemptRecord a = s.auth().attempt(ctx, ctx.pathParam("id"));
        JobRecord job = runJob(ctx, a);
        long start = System.nanoTime();
        boolean ok = false;
        long bytes = 0;
        try (InputStream body = ctx.req().getInputStream()) {
            ArtifactStore.Artifact stored = s.artifacts()
                    .put(
                            job.runId(),
                            ctx.pathParam("name"),
                            job.id(),
                            a.attempt(),
                            body,
                            s.clock().millis());
            ok = true;
            bytes = stored.size();
            ctx.status(201).json(view(stored));
        } catch (ArtifactStore.Refused e) {
            throw new ApiException(e.status, e.code(), e.getMessage());
        } finally {
            s.metrics().artifactUpload(ok, bytes, (System.nanoTime() - start) / 1e9);
        }
    }

    private String run(Context ctx) {
        String id = ctx.pathParam("id");
        if (s.runs().get(id) == null) throw ApiException.notFound("no run with id '" + id + "'");
        return id;
    }

    private JobRecord runJob(Context ctx, AttemptRecord a) {
        JobRecord job = s.jobs().get(a.jobId());
        if (job.runId() == null)
            throw ApiException.badRequest(
                    "job " + job.id() + " is not part of a workflow run; artifacts belong to runs");
        return job;
    }

    private ArtifactList list(String runId) {
        return new ArtifactList(
                s.artifacts().list(runId).stream().map(ArtifactRoutes::view).toList());
    }

    private void send(Context ctx, String runId, String name) throws IOException {
        String problem = ArtifactStore.checkName(name);
        if (problem != null) throw ApiException.badRequest(problem);
        ArtifactStore.Artifact a = s.artifacts().get(runId, name);
        if (a == null) throw ApiException.notFound("run " + runId + " has no artifact named '" + name + "'");
        try (InputStream in = open(a)) {
            ctx.contentType("application/zip");
            ctx.header("Content-Length", Long.toString(a.size()));
            ctx.header("Runway-Artifact-Sha256", a.sha256());
            in.transferTo(ctx.res().getOutputStream());
        }
    }

    /** The artifact's body, opened before any header is sent, so a missing one is a clear 404, not a torn reply. */
    private InputStream open(ArtifactStore.Artifact a) throws IOException {
        try {
            return s.artifacts().open(a);
        } catch (java.nio.file.NoSuchFileException e) {
            throw ApiException.notFound(missingBody("artifact '" + a.name() + "' of run " + a.runId()));
        }
    }

    /** Why a body a row names is not here: kept by another replica, or removed by hand. */
    static String missingBody(String what) {
        return what + " is listed but its body is not in this control plane's blob store (with several replicas,"
                + " every one needs the same --blob-store; see docs/operations.md)";
    }

    static ArtifactView view(ArtifactStore.Artifact a) {
        return new ArtifactView(a.name(), a.size(), a.sha256(), a.jobId(), Instant.ofEpochMilli(a.createdAt()));
    }
}
