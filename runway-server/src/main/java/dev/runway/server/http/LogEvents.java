package dev.runway.server.http;

import dev.runway.protocol.ApiPaths;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.LogStore;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.sse.SseClient;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/jobs/{id}/logs/events}: a job's log as server-sent events, for the dashboard's live log. It sends
 * what is stored, then follows new lines as the runner appends them (woken like the long-polling log read) until the
 * job ends:
 *
 * <ul>
 *   <li>{@code event: log}, {@code data:} whole lines (the last newline left out), {@code id:} the byte offset after
 *       them, so a client that reconnects with {@code Last-Event-ID} (or {@code ?offset=}) resumes where it was;
 *   <li>{@code event: attempt}, {@code data:} the new attempt's number, when the job is retried: offsets restart at 0;
 *   <li>{@code event: end}, {@code data: {"state":…,"reason":…,"attempt":…}} once the job finished and all of its log
 *       was sent; then the server closes the stream;
 *   <li>a {@code :keep-alive} comment after 15 s without an event.
 * </ul>
 *
 * Authentication (viewer) and the job's existence are checked before the stream starts, so those fail with the API's
 * usual error answers.
 */
final class LogEvents {
    static final long KEEP_ALIVE_MS = 15_000;
    /** A line longer than this is sent in pieces rather than held back until its end. */
    static final int MAX_HELD_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(LogEvents.class);
    private static final String EVENT_STREAM = "text/event-stream";

    /** What the log event stream uses. */
    record Deps(Auth auth, JobStore jobs, LogStore logs, Wakeups jobEvents) {}

    private final Deps s;

    LogEvents(Deps s) {
        this.s = s;
    }

    void register(RoutesConfig routes) {
        routes.before(ApiPaths.JOB_LOG_EVENTS, ctx -> {
            if (!ctx.method().equals(HandlerType.GET)) return;
            s.auth().viewer(ctx);
            String id = ctx.pathParam("id");
            if (s.jobs().get(id) == null) throw ApiException.notFound("no job with id '" + id + "'");
            String accept = ctx.header("Accept");
            if (accept == null || !accept.contains(EVENT_STREAM))
                throw new ApiException(
                        406,
                        "not_acceptable",
                        "this endpoint sends server-sent events; ask with 'Accept: text/event-stream'");
            startOffset(ctx); // a bad offset is a 400 before the stream starts
        });
        routes.sse(ApiPaths.JOB_LOG_EVENTS, client -> {
            client.keepAlive();
            Thread.ofVirtual()
                    .name("log-events-" + client.ctx().pathParam("id"))
                    .start(() -> {
                        try {
                            follow(client);
                        } catch (RuntimeException e) {
                            log.debug(
                                    "log events of job {} ended: {}",
                                    client.ctx().pathParam("id"),
                                    e.toString());
                        } finally {
                            client.close();
                        }
                    });
        });
    }

    private static long startOffset(Context ctx) {
        String last = ctx.header("Last-Event-ID");
        if (last != null && !last.isBlank()) {
            try {
                long n = Long.parseLong(last.strip());
                if (n >= 0) return n;
            } catch (NumberFormatException e) {
                // fall through
            }
            throw ApiException.badRequest("Last-Event-ID: '" + last + "' is not a byte offset");
        }
        return JobRoutes.longParam(ctx, "offset", 0);
    }

    private void follow(SseClient client) {
        String id = client.ctx().pathParam("id");
        long offset = startOffset(client.ctx());
        int attempt = s.jobs().get(id).attempt();
        long lastWrite = System.nanoTime();
        while (!client.terminated()) {
            CompletableFuture<Void> ticket = s.jobEvents().ticket(id); // before reading: no append is missed
            JobRecord job = s.jobs().get(id);
            if (attempt == 0 && job.attempt() > 0) attempt = job.attempt();
            boolean attemptOver = job.state().isTerminal() || job.attempt() != attempt;
            LogStore.Slice slice = attempt == 0
                    ? new LogStore.Slice(new byte[0], offset)
                    : s.logs().read(id, attempt, offset);
            byte[] b = slice.bytes();
            int send = sendable(b, attemptOver);
            if (send > 0) {
                int end = send > 0 && b[send - 1] == '\n' ? send - 1 : send;
                offset += send;
                client.sendEvent("log", new String(b, 0, end, StandardCharsets.UTF_8), Long.toString(offset));
                lastWrite = System.nanoTime();
                continue; // there may be more
            }
            if (attemptOver && offset >= (attempt == 0 ? 0 : s.logs().size(id, attempt))) {
                if (job.state().isTerminal()) {
                    Map<String, Object> end = new LinkedHashMap<>();
                    end.put("state", job.state().wireName());
                    end.put("reason", job.reason());
                    end.put("attempt", job.attempt());
                    client.sendEvent("end", end, Long.toString(offset));
                    return;
                }
                attempt = job.attempt(); // retried: follow the new attempt from its start
                offset = 0;
                client.sendEvent("attempt", Integer.toString(attempt), "0");
                lastWrite = System.nanoTime();
                continue;
            }
            long quietMs = (System.nanoTime() - lastWrite) / 1_000_000;
            if (quietMs >= KEEP_ALIVE_MS) {
                client.sendComment("keep-alive");
                lastWrite = System.nanoTime();
                quietMs = 0;
            }
            Wakeups.await(ticket, Math.min(1000, KEEP_ALIVE_MS - quietMs));
        }
    }

    /** How many of {@code b} to send now: whole lines only while the attempt may still write the rest of a line. */
    static int sendable(byte[] b, boolean attemptOver) {
        if (attemptOver || b.length >= MAX_HELD_BYTES) return b.length;
        for (int i = b.length - 1; i >= 0; i--) if (b[i] == '\n') return i + 1;
        return 0;
    }
}
