package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.CacheEntry;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.store.AttemptRecord;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** The cache service of {@code actions/cache}, for runners (job token); caches are scoped to the run's repository. */
final class CacheRoutes {
    /** Restore prefixes per lookup, at most (GitHub allows 10 keys in all). */
    static final int MAX_RESTORE_KEYS = 10;

    /** What the cache routes use. */
    record Deps(Auth auth, CacheStore caches, JobStore jobs, RunStore runs, InstantSource clock) {}

    private final Deps s;

    CacheRoutes(Deps s) {
        this.s = s;
    }

    void register(Javalin app) {
        app.get(ApiPaths.RUNNER_JOB_CACHE, ctx -> {
            String scope = scope(ctx, s.auth().attempt(ctx, ctx.pathParam("id")));
            List<String> keys = new ArrayList<>();
            keys.add(required(ctx, "key"));
            List<String> restore = ctx.queryParams("restore").stream()
                    .filter(k -> !k.isBlank())
                    .toList();
            if (restore.size() > MAX_RESTORE_KEYS)
                throw ApiException.badRequest(
                        "restore: at most " + MAX_RESTORE_KEYS + " prefixes, got " + restore.size());
            for (String k : restore) checked("restore", k);
            keys.addAll(restore);
            CacheStore.Entry e = s.caches()
                    .lookup(scope, required(ctx, "version"), keys, s.clock().millis());
            if (e == null) ctx.status(204);
            else ctx.json(view(e));
        });
        app.get(ApiPaths.RUNNER_JOB_CACHE_BLOB, ctx -> {
            String scope = scope(ctx, s.auth().attempt(ctx, ctx.pathParam("id")));
            CacheStore.Entry e = s.caches().get(scope, required(ctx, "key"), required(ctx, "version"));
            if (e == null) throw ApiException.notFound("no cache with key '" + ctx.queryParam("key") + "'");
            ctx.contentType("application/gzip");
            ctx.header("Content-Length", Long.toString(e.size()));
            try (InputStream in = Files.newInputStream(s.caches().file(e))) {
                in.transferTo(ctx.res().getOutputStream());
            }
        });
        app.put(ApiPaths.RUNNER_JOB_CACHE, this::save);
    }

    private void save(Context ctx) throws IOException {
        String scope = scope(ctx, s.auth().attempt(ctx, ctx.pathParam("id")));
        try (InputStream body = ctx.req().getInputStream()) {
            CacheStore.Entry e = s.caches()
                    .save(
                            scope,
                            required(ctx, "key"),
                            required(ctx, "version"),
                            body,
                            s.clock().millis());
            ctx.status(201).json(view(e));
        } catch (ArtifactStore.Refused e) {
            throw new ApiException(e.status, e.code(), e.getMessage());
        }
    }

    private String scope(Context ctx, AttemptRecord a) {
        JobRecord job = s.jobs().get(a.jobId());
        if (job.runId() == null)
            throw ApiException.badRequest("job " + job.id() + " is not part of a workflow run; caches belong to runs");
        RunRecord run = s.runs().get(job.runId());
        return run.repo() == null ? "workflow:" + run.workflowPath() : run.repo();
    }

    /** A required cache key or version, checked as {@link CacheStore#checkKey} says. */
    private static String required(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) throw ApiException.badRequest(name + ": required");
        return checked(name, v);
    }

    private static String checked(String name, String v) {
        String problem = CacheStore.checkKey(name, v);
        if (problem != null) throw ApiException.badRequest(problem);
        return v;
    }

    private static CacheEntry view(CacheStore.Entry e) {
        return new CacheEntry(e.key(), e.version(), e.size(), e.sha256(), Instant.ofEpochMilli(e.createdAt()));
    }
}
