package dev.runway.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.GitHubWorkflowJobView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.WebhookStore;
import dev.runway.server.triggers.GitHubEvents;
import dev.runway.server.triggers.WebhookTriggers;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/github}: GitHub's deliveries, verified before anything is parsed ({@code X-Hub-Signature-256},
 * HMAC-SHA256 of the raw body with the configured secret, compared in constant time), deduplicated by {@code
 * X-GitHub-Delivery}. {@code ping} is answered; {@code push}, {@code pull_request} and {@code workflow_dispatch}
 * deliveries for a configured repository start the workflows they trigger ({@link WebhookTriggers}), with the
 * delivered payload as {@code github.event}; {@code workflow_job} events are kept for the fleet scaler, which reads
 * them with {@code GET /api/v1/github/workflow-jobs}. Any other event GitHub sends is answered "ignored"; a name
 * GitHub does not send, a payload that is not GitHub's shape, and a dispatch that cannot start are answered 400.
 */
final class WebhookRoutes {
    private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);
    /** What the webhook routes use. */
    record Deps(
            ServerConfig config,
            Auth auth,
            WebhookStore store,
            RunStarter runs,
            GitSource git,
            AuditLog audit,
            ServerMetrics metrics,
            InstantSource clock) {}

    private final Deps s;
    private final WebhookStore store;
    private final WebhookTriggers triggers;

    WebhookRoutes(Deps s) {
        this.s = s;
        this.store = s.store();
        this.triggers = new WebhookTriggers(s.config().github().repos(), s.git(), s.runs());
    }

    void register(RoutesConfig routes) {
        routes.post(ApiPaths.WEBHOOK_GITHUB, this::github);
        routes.get(ApiPaths.GITHUB_WORKFLOW_JOBS, this::workflowJobs);
    }

    /**
     * The recorded workflow_job events since an epoch millisecond, oldest first: the scaler's GitHub pools read them
     * (admin, like the scaler's other calls) instead of receiving webhooks themselves.
     */
    private void workflowJobs(Context ctx) {
        s.auth().admin(ctx);
        long since = JobRoutes.longParam(ctx, "since", 0);
        int limit = JobRoutes.intParam(ctx, "limit", 500, 1, 1000);
        ctx.json(new GitHubWorkflowJobView.Events(store.workflowJobsSince(since, limit).stream()
                .map(j -> new GitHubWorkflowJobView(
                        j.deliveryId(),
                        j.action(),
                        j.jobId(),
                        j.runId(),
                        j.repository(),
                        j.labels() == null || j.labels().isBlank()
                                ? List.of()
                                : List.of(j.labels().split(",")),
                        j.runnerName(),
                        Instant.ofEpochMilli(j.at())))
                .toList()));
    }

    private void github(Context ctx) throws IOException {
        String secret = s.config().github().secret();
        if (secret == null)
            throw ApiException.notFound("GitHub webhooks are not configured on this control plane"
                    + " (runway server --github-webhook-secret-file)");
        byte[] body = Bodies.bytes(ctx, s.config().maxBodyBytes());
        String given = ctx.header("X-Hub-Signature-256");
        if (given == null || given.isBlank()) throw rejected(ctx, "missing X-Hub-Signature-256 header");
        if (!MessageDigest.isEqual(
                signature(secret, body).getBytes(StandardCharsets.US_ASCII),
                given.strip().getBytes(StandardCharsets.US_ASCII)))
            throw rejected(ctx, "X-Hub-Signature-256 does not match the body signed with the webhook secret");
        String delivery = ctx.header("X-GitHub-Delivery");
        String event = ctx.header("X-GitHub-Event");
        if (delivery == null || delivery.isBlank() || delivery.length() > 100)
            throw ApiException.badRequest("X-GitHub-Delivery: required (a delivery id)");
        if (event == null || event.isBlank() || event.length() > 100)
            throw ApiException.badRequest("X-GitHub-Event: required (an event name)");
        if (!GitHubEvents.ALL.contains(event))
            throw ApiException.badRequest("X-GitHub-Event: '" + event
                    + "' is not an event GitHub sends (Runway starts runs for push, pull_request and"
                    + " workflow_dispatch)");
        JsonNode payload = Bodies.tree(body);
        if (payload == null || !payload.isObject()) throw ApiException.badRequest("the payload is not a JSON object");
        // checked before the delivery is recorded: a refused delivery can be sent again once fixed
        WebhookStore.WorkflowJob job = event.equals("workflow_job") ? workflowJob(delivery, payload) : null;
        WebhookTriggers.Delivery starts;
        try {
            starts = triggers.check(event, payload);
        } catch (WebhookTriggers.BadPayload e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (!store.firstDelivery(delivery, event, s.clock().millis())) {
            ctx.json(Map.of("status", "duplicate", "delivery", delivery));
            return;
        }
        if (starts != null) {
            ctx.status(202).json(triggers.act(starts));
            return;
        }
        switch (event) {
            case "ping" ->
                ctx.json(Map.of("status", "pong", "zen", payload.path("zen").asText("")));
            case "workflow_job" -> {
                store.recordWorkflowJob(job);
                ctx.status(202).json(Map.of("status", "recorded"));
            }
            default -> ctx.status(202).json(Map.of("status", "ignored", "reason", "Runway does not act on " + event));
        }
    }

    /** A workflow_job delivery as the scaler reads it; 400 naming the field when it is not GitHub's shape. */
    private WebhookStore.WorkflowJob workflowJob(String delivery, JsonNode p) {
        String action = text(p.path("action"), "action", 50);
        JsonNode job = p.path("workflow_job");
        if (!job.isObject()) throw ApiException.badRequest("workflow_job: required, an object");
        List<String> labels = new ArrayList<>();
        JsonNode ls = job.path("labels");
        if (!ls.isArray()) throw ApiException.badRequest("workflow_job.labels: required, an array of strings");
        for (JsonNode l : ls) {
            if (!l.isTextual()
                    || l.asText().isBlank()
                    || l.asText().contains(",")
                    || l.asText().length() > 200)
                throw ApiException.badRequest(
                        "workflow_job.labels: each label must be a non-empty string without commas");
            labels.add(l.asText());
        }
        JsonNode runner = job.path("runner_name");
        if (!runner.isMissingNode() && !runner.isNull() && !runner.isTextual())
            throw ApiException.badRequest("workflow_job.runner_name: must be a string or null");
        return new WebhookStore.WorkflowJob(
                delivery,
                action,
                id(job.path("id"), "workflow_job.id"),
                id(job.path("run_id"), "workflow_job.run_id"),
                text(p.path("repository").path("full_name"), "repository.full_name", 200),
                String.join(",", labels),
                runner.isTextual() && !runner.asText().isBlank() ? runner.asText() : null,
                s.clock().millis());
    }

    private static long id(JsonNode n, String field) {
        if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() <= 0)
            throw ApiException.badRequest(field + ": required, a positive whole number");
        return n.asLong();
    }

    private static String text(JsonNode n, String field, int max) {
        if (!n.isTextual() || n.asText().isBlank() || n.asText().length() > max)
            throw ApiException.badRequest(field + ": required, a non-empty string of at most " + max + " characters");
        return n.asText();
    }

    private ApiException rejected(Context ctx, String why) {
        s.audit().record(ctx.ip(), "webhook.rejected", "POST " + ctx.path(), why);
        s.metrics().authFailure(ServerMetrics.AuthFailure.BAD_SIGNATURE);
        log.warn("GitHub webhook from {} rejected: {}", ctx.ip(), why);
        return ApiException.unauthorized(why);
    }

    /** {@code sha256=<hex of HMAC-SHA256(secret, body)>}, as GitHub sends it. */
    static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
