package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobList;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.StepSpec;
import dev.runway.server.ServerConfig;
import dev.runway.server.dispatch.WaitReasons;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RunnerStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The user API for jobs: submit, list, show, cancel, read and follow s.logs(). */
final class JobRoutes {
    static final int MAX_LOG_WAIT_SECONDS = 30;

    /** What the job routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            JobStore jobs,
            LogStore logs,
            RunnerStore runners,
            Wakeups jobEvents,
            InstantSource clock) {}

    private final Deps s;

    JobRoutes(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.JOBS, this::submit);
        routes.get(ApiPaths.JOBS, this::list);
        routes.get(ApiPaths.JOB, ctx -> {
            s.auth().viewer(ctx);
            ctx.json(view(find(ctx.pathParam("id"))));
        });
        routes.post(ApiPaths.JOB_CANCEL, this::cancel);
        routes.get(ApiPaths.JOB_LOGS, this::logs);
        new LogEvents(new LogEvents.Deps(s.auth(), s.jobs(), s.logs(), s.jobEvents())).register(routes);
    }

    private void submit(Context ctx) throws JsonProcessingException {
        s.auth().operator(ctx);
        JobSpec spec = Bodies.json(ctx, Json.strict(), JobSpec.class, s.config().maxBodyBytes());
        validate(spec);
        Set<String> labels = Labels.normalise(spec.labels());
        long timeoutMs = spec.timeoutSeconds() == null
                ? s.config().defaultJobTimeout().toMillis()
                : spec.timeoutSeconds() * 1000L;
        int maxAttempts = spec.maxAttempts() == null ? s.config().defaultMaxAttempts() : spec.maxAttempts();
        JobRecord j = s.jobs()
                .insert(
                        spec.name().strip(),
                        Json.lenient().writeValueAsString(spec),
                        labels,
                        maxAttempts,
                        timeoutMs,
                        s.clock().millis());
        ctx.status(201).json(view(j));
    }

    static void validate(JobSpec spec) {
        if (spec.name() == null || spec.name().isBlank())
            throw ApiException.badRequest("name: required, a non-empty string");
        if (spec.steps().isEmpty()) throw ApiException.badRequest("steps: at least one step is required");
        for (int i = 0; i < spec.steps().size(); i++) {
            StepSpec s = spec.steps().get(i);
            if (s == null) throw ApiException.badRequest("steps[" + i + "]: must be an object with 'run'");
            if (s.run() == null || s.run().isBlank())
                throw ApiException.badRequest("steps[" + i + "].run: required, the script to run");
            if (s.timeoutSeconds() != null && s.timeoutSeconds() <= 0)
                throw ApiException.badRequest("steps[" + i + "].timeoutSeconds: must be positive");
            if (s.shell() != null
                    && !Set.of("bash", "sh", "python").contains(s.shell())
                    && !s.shell().contains("{0}")) {
                throw ApiException.badRequest("steps[" + i + "].shell: '" + s.shell()
                        + "' is not supported (use bash, sh, python, or a command with {0} for the script file)");
            }
        }
        for (String l : spec.labels()) {
            if (l == null || l.isBlank() || l.contains(","))
                throw ApiException.badRequest("labels: each label must be a non-empty string without commas");
        }
        if (spec.timeoutSeconds() != null && spec.timeoutSeconds() <= 0)
            throw ApiException.badRequest("timeoutSeconds: must be positive");
        if (spec.maxAttempts() != null && (spec.maxAttempts() < 1 || spec.maxAttempts() > 100)) {
            throw ApiException.badRequest("maxAttempts: must be between 1 and 100");
        }
    }

    private void list(Context ctx) {
        s.auth().viewer(ctx);
        String state = ctx.queryParam("state");
        JobState filter;
        try {
            filter = state == null || state.isBlank() ? null : JobState.fromWire(state);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("state: " + e.getMessage());
        }
        String runner = ctx.queryParam("runner");
        if (runner != null && runner.isBlank()) runner = null;
        int limit = intParam(ctx, "limit", 50, 1, 1000);
        Supplier<WaitReasons> waits = waits();
        ctx.json(new JobList(s.jobs().list(filter, runner == null ? null : runner.strip(), limit).stream()
                .map(j -> view(j, waits))
                .toList()));
    }

    private void cancel(Context ctx) {
        s.auth().operator(ctx);
        String id = ctx.pathParam("id");
        switch (s.jobs().cancel(id, s.clock().millis())) {
            case NOT_FOUND -> throw ApiException.notFound("no job with id '" + id + "'");
            case ALREADY_FINISHED ->
                throw new ApiException(
                        409,
                        "conflict",
                        "job " + id + " already finished ("
                                + s.jobs().get(id).state().wireName() + ")");
            case CANCELLED, REQUESTED -> {} // what follows a cancel is the store's transitions' listeners' part
        }
        ctx.status(202).json(view(s.jobs().get(id)));
    }

    private void logs(Context ctx) {
        s.auth().viewer(ctx);
        String id = ctx.pathParam("id");
        JobRecord job = find(id);
        long offset = longParam(ctx, "offset", 0);
        boolean attemptGiven = ctx.queryParam("attempt") != null;
        int attempt = intParam(ctx, "attempt", job.attempt(), 0, Integer.MAX_VALUE);
        long waitMs = intParam(ctx, "wait", 0, 0, Integer.MAX_VALUE) * 1000L;
        waitMs = Math.min(waitMs, MAX_LOG_WAIT_SECONDS * 1000L);
        long deadline = System.nanoTime() + waitMs * 1_000_000;
        while (true) {
            CompletableFuture<Void> ticket = s.jobEvents().ticket(id);
            job = s.jobs().get(id);
            // a queued job followed without an attempt: its first attempt started while we waited, follow that one
            if (!attemptGiven && attempt == 0 && job.attempt() > 0) attempt = job.attempt();
            boolean finished = job.state().isTerminal() || job.attempt() != attempt;
            LogStore.Slice slice = attempt == 0
                    ? new LogStore.Slice(new byte[0], offset)
                    : s.logs().read(id, attempt, offset);
            boolean complete = finished && slice.nextOffset() >= s.logs().size(id, attempt);
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (slice.bytes().length > 0 || complete || remaining <= 0) {
                ctx.header("Runway-Log-Offset", Long.toString(Math.max(offset, slice.nextOffset())));
                ctx.header("Runway-Log-Attempt", Integer.toString(attempt));
                ctx.header("Runway-Log-Complete", Boolean.toString(complete));
                ctx.contentType("text/plain; charset=utf-8").result(slice.bytes());
                return;
            }
            Wakeups.await(ticket, Math.min(remaining, 1000));
        }
    }

    private JobRecord find(String id) {
        JobRecord j = s.jobs().get(id);
        if (j == null) throw ApiException.notFound("no job with id '" + id + "'");
        return j;
    }

    private JobView view(JobRecord j) {
        return view(j, waits());
    }

    private JobView view(JobRecord j, Supplier<WaitReasons> waits) {
        return Views.job(
                j,
                j.attempt() == 0 ? 0 : s.logs().size(j.id(), j.attempt()),
                s.clock().millis(),
                waits);
    }

    /** Why queued jobs wait: the fleet read once per request, and only when a queued job is shown. */
    private Supplier<WaitReasons> waits() {
        return WaitReasons.lazily(
                s.runners(), s.clock().millis(), s.config().offlineAfter().toMillis());
    }

    static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min || n > max) throw ApiException.badRequest(name + ": must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": '" + v + "' is not a whole number");
        }
    }

    static long longParam(Context ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            long n = Long.parseLong(v.strip());
            if (n < 0) throw ApiException.badRequest(name + ": must not be negative");
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": '" + v + "' is not a whole number");
        }
    }
}
