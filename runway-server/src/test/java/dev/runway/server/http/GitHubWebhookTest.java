package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.GitHubWorkflowJobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunList;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub webhooks against a real server and a real git repository, with GitHub's own example payloads
 * ({@code @octokit/webhooks-examples}, in test resources) and GitHub's documented signature example.
 */
class GitHubWebhookTest {
    static final String SECRET = "a-long-webhook-secret-for-tests";

    @TempDir
    Path dir;

    RunwayServer server;
    Path repo;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        repo = Files.createDirectories(dir.resolve("web"));
        git("init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                on:
                  push:
                    branches: [main]
                    paths-ignore: ['docs/**']
                jobs:
                  build:
                    runs-on: linux
                    steps:
                      - run: echo build
                """);
        Files.writeString(repo.resolve(".github/workflows/release.yml"), """
                on:
                  push:
                    tags: ['v*']
                jobs:
                  release:
                    runs-on: linux
                    steps:
                      - run: echo release
                """);
        git("add", "-A");
        git("-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci");
        server = RunwayServer.start(ServerConfig.defaults(dir.resolve("data"))
                .withPort(0)
                .withGitHub(new ServerConfig.GitHubWebhooks(SECRET, Map.of("acme/web", repo.toString()))));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void githubsDocumentedSignatureExample() {
        // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
        assertThat(WebhookRoutes.signature(
                        "It's a Secret to Everybody", "Hello, World!".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    }

    @Test
    void aPushStartsTheMatchingWorkflowsOnceAndIsVerifiedFirst() throws Exception {
        ObjectNode push = example("push");
        push.with("repository").put("full_name", "acme/web");
        push.put("ref", "refs/heads/main");
        push.put("after", git("rev-parse", "HEAD"));
        push.put("deleted", false);
        ArrayNode commits = push.putArray("commits");
        commits.addObject().putArray("modified").add("src/Main.java");
        String body = push.toString();

        HttpResponse<String> first = send("push", body, sign(body), "d-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        JsonNode answer = Json.lenient().readTree(first.body());
        assertThat(answer.path("runs")).hasSize(1);
        String runId = answer.path("runs").get(0).asText();
        RunList runs = Json.lenient().readValue(get(ApiPaths.RUNS).body(), RunList.class);
        assertThat(runs.runs()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(runId);
            assertThat(r.workflow()).isEqualTo(".github/workflows/ci.yml");
            assertThat(r.event()).isEqualTo("push");
        });

        HttpResponse<String> again = send("push", body, sign(body), "d-1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("duplicate");

        ArrayNode docsOnly = push.putArray("commits");
        docsOnly.addObject().putArray("added").add("docs/guide.md");
        String docs = push.toString();
        HttpResponse<String> ignoredPaths = send("push", docs, sign(docs), "d-2");
        assertThat(Json.lenient().readTree(ignoredPaths.body()).path("runs")).isEmpty();

        push.put("ref", "refs/tags/v1.0");
        String tag = push.toString();
        HttpResponse<String> release = send("push", tag, sign(tag), "d-3");
        assertThat(Json.lenient().readTree(release.body()).path("runs")).hasSize(1);
        assertThat(Json.lenient()
                        .readValue(get(ApiPaths.RUNS).body(), RunList.class)
                        .runs())
                .extracting(r -> r.workflow())
                .containsExactlyInAnyOrder(".github/workflows/ci.yml", ".github/workflows/release.yml");

        push.with("repository").put("full_name", "someone/else");
        String other = push.toString();
        assertThat(send("push", other, sign(other), "d-4").body()).contains("is not configured");
    }

    @Test
    void missingOrWrongSignaturesAreRefusedBeforeAnythingElse() throws Exception {
        String body = example("push").toString();
        HttpResponse<String> none = send("push", body, null, "r-1");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("missing X-Hub-Signature-256");
        HttpResponse<String> wrong = send("push", body, sign(body + " "), "r-2");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("does not match");
        HttpResponse<String> garbage = send("push", "not json", sign("not json"), "r-3");
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(get(ApiPaths.AUDIT + "?kind=webhook.").body()).contains("webhook.rejected", "does not match");
        assertThat(Json.lenient()
                        .readValue(get(ApiPaths.RUNS).body(), RunList.class)
                        .runs())
                .isEmpty();
    }

    @Test
    void pingIsAnsweredAndWorkflowJobsAreRecorded() throws Exception {
        String ping = example("ping").toString();
        HttpResponse<String> pong = send("ping", ping, sign(ping), "p-1");
        assertThat(pong.statusCode()).isEqualTo(200);
        assertThat(pong.body()).contains("pong");
        String job = example("workflow_job").toString();
        HttpResponse<String> recorded = send("workflow_job", job, sign(job), "w-1");
        assertThat(recorded.statusCode()).isEqualTo(202);
        assertThat(recorded.body()).contains("recorded");
        ObjectNode queued = example("workflow_job");
        queued.put("action", "queued");
        queued.with("workflow_job").putNull("runner_name");
        String q = queued.toString();
        assertThat(send("workflow_job", q, sign(q), "w-2").statusCode()).isEqualTo(202);

        GitHubWorkflowJobView.Events events = Json.lenient()
                .readValue(get(ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=0").body(), GitHubWorkflowJobView.Events.class);
        assertThat(events.events()).hasSize(2);
        GitHubWorkflowJobView first = events.events().get(0);
        assertThat(first.deliveryId()).isEqualTo("w-1");
        assertThat(first.action()).isEqualTo("in_progress");
        assertThat(first.jobId()).isEqualTo(2832853555L);
        assertThat(first.runId()).isEqualTo(940463255L);
        assertThat(first.repository()).isEqualTo("octo-org/example-workflow");
        assertThat(first.labels()).containsExactly("gpu", "db-app", "dc-03");
        assertThat(first.runnerName()).isEqualTo("my runner");
        GitHubWorkflowJobView second = events.events().get(1);
        assertThat(second.action()).isEqualTo("queued");
        assertThat(second.runnerName()).isNull();
        assertThat(second.receivedAt()).isAfterOrEqualTo(first.receivedAt());

        long after = second.receivedAt().toEpochMilli() + 1;
        assertThat(Json.lenient()
                        .readValue(
                                get(ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=" + after)
                                        .body(),
                                GitHubWorkflowJobView.Events.class)
                        .events())
                .isEmpty();
        assertThat(Json.lenient()
                        .readValue(
                                get(ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=0&limit=1")
                                        .body(),
                                GitHubWorkflowJobView.Events.class)
                        .events())
                .extracting(GitHubWorkflowJobView::deliveryId)
                .containsExactly("w-1");
        assertThat(get(ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=yesterday").body())
                .contains("since: 'yesterday' is not a whole number");
    }

    @Test
    void emptyOrWronglyTypedWorkflowJobsAreRefusedAndNothingIsRecorded() throws Exception {
        Map<String, java.util.function.Consumer<ObjectNode>> broken = new java.util.LinkedHashMap<>();
        broken.put("workflow_job: required", p -> p.remove("workflow_job"));
        broken.put("workflow_job: required, an object", p -> p.put("workflow_job", "a string"));
        broken.put("action: required", p -> p.put("action", 7));
        broken.put("workflow_job.id: required", p -> p.with("workflow_job").put("id", "many"));
        broken.put("workflow_job.run_id: required", p -> p.with("workflow_job").remove("run_id"));
        broken.put("workflow_job.labels: required", p -> p.with("workflow_job").put("labels", "gpu"));
        broken.put(
                "workflow_job.labels: each label",
                p -> p.with("workflow_job").withArray("labels").add(3));
        broken.put(
                "workflow_job.runner_name: must be", p -> p.with("workflow_job").put("runner_name", 5));
        broken.put("repository.full_name: required", p -> p.remove("repository"));
        int n = 0;
        for (var e : broken.entrySet()) {
            ObjectNode p = example("workflow_job");
            e.getValue().accept(p);
            String body = p.toString();
            HttpResponse<String> r = send("workflow_job", body, sign(body), "bad-" + n++);
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(Json.lenient()
                            .readValue(r.body(), dev.runway.protocol.ApiError.class)
                            .message())
                    .startsWith(e.getKey());
        }
        for (String empty : List.of("{}", "[]", "null")) {
            HttpResponse<String> r = send("workflow_job", empty, sign(empty), "empty-" + empty);
            assertThat(r.statusCode()).as(empty + ": " + r.body()).isEqualTo(400);
        }
        assertThat(Json.lenient()
                        .readValue(
                                get(ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=0").body(),
                                GitHubWorkflowJobView.Events.class)
                        .events())
                .as("nothing recorded")
                .isEmpty();
        // a refused delivery is not remembered: sent again once fixed, it is recorded
        String fixed = example("workflow_job").toString();
        assertThat(send("workflow_job", fixed, sign(fixed), "bad-0").statusCode())
                .isEqualTo(202);
    }

    ObjectNode example(String event) throws Exception {
        return (ObjectNode) Json.lenient().readTree(getClass().getResourceAsStream("/webhooks/" + event + ".json"));
    }

    static String sign(String body) {
        return WebhookRoutes.signature(SECRET, body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(String event, String body, String signature, String delivery) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.WEBHOOK_GITHUB))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", event)
                .header(
                        "X-GitHub-Delivery",
                        delivery == null ? UUID.randomUUID().toString() : delivery)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) b.header("X-Hub-Signature-256", signature);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Authorization", "Bearer " + server.adminToken())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String git(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
