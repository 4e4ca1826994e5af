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
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The cache service of {@code actions/cache}, for runners (job token); caches are scoped to the run's repository. A
 * run whose secrets are withheld (a pull request from a fork: untrusted code) restores the repository's caches but
 * saves into a scope of its own (its ref, {@code refs/pull/N/merge}), which only runs of that ref read, as GitHub
 * scopes a pull request's caches: it cannot plant a cache that a push to the default branch would restore.
 */
final class CacheRoutes {
    /** Restore prefixes per lookup, at most (GitHub allows 10 keys in all). */
    static final int MAX_RESTORE_KEYS = 10;

    /** What the cache routes use. */
    record Deps(Auth auth, CacheStore caches, JobStore jobs, RunStore runs, InstantSource clock) {}

    private final Deps s;

    CacheRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.get(ApiPaths.RUNNER_JOB_CACHE, ctx -> {
            Scopes scopes = scopes(s.auth().attempt(ctx, ctx.pathParam("id")));
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
            String version = required(ctx, "version");
            CacheStore.Entry e = null;
            for (int i = 0; i < scopes.read().size() && e == null; i++)
                e = s.caches()
                        .lookup(scopes.read().get(i), version, keys, s.clock().millis());
            if (e == null) ctx.status(204);
            else ctx.json(view(e));
        });
        routes.get(ApiPaths.RUNNER_JOB_CACHE_BLOB, ctx -> {
            Scopes scopes = scopes(s.auth().attempt(ctx, ctx.pathParam("id")));
            String key = required(ctx, "key");
            String version = required(ctx, "version");
            CacheStore.Entry e = null;
            for (int i = 0; i < scopes.read().size() && e == null; i++)
                e = s.caches().get(scopes.read().get(i), key, version);
            if (e == null) throw ApiException.notFound("no cache with key '" + key + "'");
            try (InputStream in = open(e)) {
                ctx.contentType("application/gzip");
                ctx.header("Content-Length", Long.toString(e.size()));
                in.transferTo(ctx.res().getOutputStream());
            }
        });
        routes.put(ApiPaths.RUNNER_JOB_CACHE, this::save);
    }

    private InputStream open(CacheStore.Entry e) throws IOException {
        try {
            return s.caches().open(e);
        } catch (java.nio.file.NoSuchFileException missing) {
            throw ApiException.notFound(ArtifactRoutes.missingBody("cache '" + e.key() + "'"));
        }
    }

    private void save(Context ctx) throws IOException {
        String scope = scopes(s.auth().attempt(ctx, ctx.pathParam("id"))).save();
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

    /** Where an attempt's run saves caches, and where it restores them from, in order. */
    record Scopes(String save, List<String> read) {}

    private Scopes scopes(AttemptRecord a) {
        JobRecord job = s.jobs().get(a.jobId());
        if (job.runId() == null)
            throw ApiException.badRequest("job " + job.id() + " is not part of a workflow run; caches belong to runs");
        RunRecord run = s.runs().get(job.runId());
        String repository = run.repo() == null ? "workflow:" + run.workflowPath() : run.repo();
        if (run.secretsWithheld() == null) return new Scopes(repository, List.of(repository));
        String own = repository + " " + (run.ref() == null ? "run " + run.id() : run.ref());
        return new Scopes(own, List.of(own, repository));
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
