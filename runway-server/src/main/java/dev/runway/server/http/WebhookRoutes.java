package dev.runway.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.GitHubWorkflowJobView;
import dev.runway.server.ServerConfig;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.runs.GitSource;
import dev.runway.server.runs.RunOptions;
import dev.runway.server.runs.RunStarter;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.WebhookStore;
import dev.runway.workflow.events.PushTrigger;
import dev.runway.workflow.parse.WorkflowParser;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/github}: GitHub's deliveries, verified before anything is parsed ({@code X-Hub-Signature-256},
 * HMAC-SHA256 of the raw body with the configured secret, compared in constant time), deduplicated by {@code
 * X-GitHub-Delivery}. {@code ping} is answered; a {@code push} to a configured repository starts each workflow whose
 * {@code on.push} filters match the ref and changed files; {@code workflow_job} events are kept for the fleet scaler,
 * which reads them with {@code GET /api/v1/github/workflow-jobs}.
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
    private final RunStarter runs;

    WebhookRoutes(Deps s) {
        this.s = s;
        this.store = s.store();
        this.runs = s.runs();
    }

    void register(Javalin app) {
        app.post(ApiPaths.WEBHOOK_GITHUB, this::github);
        app.get(ApiPaths.GITHUB_WORKFLOW_JOBS, this::workflowJobs);
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
        JsonNode payload = Bodies.tree(body);
        if (payload == null || !payload.isObject()) throw ApiException.badRequest("the payload is not a JSON object");
        // checked before the delivery is recorded: a refused delivery can be sent again once fixed
        WebhookStore.WorkflowJob job = event.equals("workflow_job") ? workflowJob(delivery, payload) : null;
        if (!store.firstDelivery(delivery, event, s.clock().millis())) {
            ctx.json(Map.of("status", "duplicate", "delivery", delivery));
            return;
        }
        switch (event) {
            case "ping" ->
                ctx.json(Map.of("status", "pong", "zen", payload.path("zen").asText("")));
            case "push" -> ctx.status(202).json(push(payload));
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

    private Map<String, Object> push(JsonNode p) throws IOException {
        String repoName = p.path("repository").path("full_name").asText("");
        String ref = p.path("ref").asText("");
        String after = p.path("after").asText("");
        String source = s.config().github().repos().get(repoName);
        if (source == null) return ignored("repository '" + repoName + "' is not configured (--github-repo)");
        if (p.path("deleted").asBoolean(false) || after.matches("0+")) return ignored("the ref was deleted");
        if (!after.matches("[0-9a-f]{40,64}")) throw ApiException.badRequest("after: not a commit id");
        Set<String> changed = new LinkedHashSet<>();
        for (JsonNode c : p.path("commits")) {
            for (String k : List.of("added", "modified", "removed")) c.path(k).forEach(f -> changed.add(f.asText()));
        }
        List<String> started = new ArrayList<>();
        Map<String, String> problems = new LinkedHashMap<>();
        List<String> files;
        try {
            s.git().resolve(source, after); // fetches the mirror when the commit is new
            files = s.git().list(source, after, ".github/workflows");
        } catch (GitSource.GitException e) {
            log.warn("push to {} ({}): cannot read its workflows from {}: {}", repoName, after, source, e.getMessage());
            return Map.of(
                    "status", "failed", "reason", "cannot read " + repoName + " at " + after + ": " + e.getMessage());
        }
        for (String file : files) {
            if (!file.endsWith(".yml") && !file.endsWith(".yaml")) continue;
            try {
                String text = s.git().read(source, after, file).text();
                WorkflowParser.Result parsed = WorkflowParser.parse(file, text);
                if (!parsed.ok() || !PushTrigger.matches(parsed.workflow(), ref, changed)) {
                    if (!parsed.ok())
                        problems.put(file, parsed.errors().getFirst().toString());
                    continue;
                }
                RunRecord run = runs.start(file, text, source, ref, after, "push", Map.of(), RunOptions.NONE);
                started.add(run.id());
                log.info(
                        "push to {} {} ({}): started run {} of {}",
                        repoName,
                        ref,
                        after.substring(0, 12),
                        run.id(),
                        file);
            } catch (GitSource.GitException | RunStarter.Rejected e) {
                problems.put(file, e.getMessage());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "accepted");
        out.put("runs", started);
        if (!problems.isEmpty()) out.put("problems", problems);
        return out;
    }

    private static Map<String, Object> ignored(String why) {
        return Map.of("status", "ignored", "reason", why);
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
