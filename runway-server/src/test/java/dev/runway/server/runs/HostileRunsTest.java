package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunRequest;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import dev.runway.workflow.HostileYaml;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Workflows written to take the control plane down, sent to {@code POST /api/v1/runs} on a real port: each is a 400
 * in the documented error shape, naming the limit and the place, within a few seconds, and the server still answers
 * (and starts ordinary runs) afterwards.
 */
class HostileRunsTest {
    static final Duration QUICKLY = Duration.ofSeconds(5);

    @TempDir
    static Path dir;

    static RunwayServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Hostile(String name, String text, String says) {
        @Override
        public String toString() {
            return name;
        }
    }

    static java.util.List<Hostile> hostile() {
        return java.util.List.of(
                new Hostile(
                        "10 x 10 matrix",
                        HostileYaml.matrix(10, 10),
                        "w.yml:7:9: error: the matrix has 10000000000 combinations"),
                new Hostile("flow nesting", HostileYaml.deepFlow(100_000, true), "w.yml:2:"),
                new Hostile("block nesting", HostileYaml.deepBlock(100_000), "Maximum object depth exceeded"),
                new Hostile("alias bomb", HostileYaml.laughs(), "w.yml:8:23: error: more than 50 aliases"),
                new Hostile("alias expansion", HostileYaml.doublingAliases(24), "aliases expand the document to"),
                new Hostile(
                        "600 KB file", HostileYaml.longLine(600_000), "a workflow file may have at most 524288 bytes"),
                new Hostile(
                        "huge expression", HostileYaml.hugeExpression(30_000), "Exceeded max expression length 21000"),
                new Hostile(
                        "binary junk",
                        new String(HostileYaml.junk(16, 8192), java.nio.charset.StandardCharsets.ISO_8859_1),
                        "w.yml:"));
    }

    static HttpResponse<String> post(String source) throws Exception {
        String body = Json.lenient().writeValueAsString(new RunRequest(null, null, "w.yml", source, null, Map.of()));
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.RUNS))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + server.adminToken())
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void isRefusedQuicklyWithA400ThatNamesTheLimit(Hostile h) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post(h.text());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("refused %s in %d ms%n", h.name(), took.toMillis());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        ApiError e = Json.lenient().readValue(r.body(), ApiError.class);
        assertThat(e.error()).isEqualTo("bad_request");
        assertThat(e.message()).contains(h.says()).doesNotContain("Exception", "\tat ");
        assertThat(took).isLessThan(QUICKLY);
    }

    static HttpResponse<String> call(String path, String token, Object body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(Json.lenient().writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRunnerIsServedPromptlyWhileHostileRunsPourIn() throws Exception {
        String reg = Json.lenient()
                .readValue(
                        call(ApiPaths.REGISTRATION_TOKENS, server.adminToken(), new RegistrationTokenRequest("5m", 1))
                                .body(),
                        RegistrationTokenView.class)
                .token();
        RegisterResponse runner = Json.lenient()
                .readValue(
                        call(ApiPaths.RUNNERS_REGISTER, reg, new RegisterRequest(reg, "r1", List.of("busy"), 1, "t"))
                                .body(),
                        RegisterResponse.class);
        HttpResponse<String> ordinary = post("on: push\njobs: {j: {runs-on: busy, steps: [{run: echo}]}}\n");
        assertThat(ordinary.statusCode()).as(ordinary.body()).isEqualTo(201);

        java.util.concurrent.ExecutorService flood = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<Integer>> refused = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Hostile h = hostile().get(i % hostile().size());
            refused.add(flood.submit(() -> post(h.text()).statusCode()));
        }
        long slowest = 0;
        boolean assigned = false;
        try {
            while (refused.stream().anyMatch(f -> !f.isDone())) {
                long t0 = System.nanoTime();
                HttpResponse<String> poll = call(ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), new PollRequest(0));
                slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
                assertThat(poll.statusCode()).as(poll.body()).isIn(200, 204);
                assigned |= poll.statusCode() == 200;
            }
        } finally {
            flood.shutdown();
        }
        for (var f : refused) assertThat(f.get()).isEqualTo(400);
        System.out.printf("slowest runner poll during 40 hostile runs: %d ms%n", slowest);
        assertThat(Duration.ofMillis(slowest)).isLessThan(QUICKLY);
        if (!assigned) { // the flood may have ended before the first poll; the job is still there for the runner
            HttpResponse<String> poll = call(ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), new PollRequest(5));
            assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
        }
    }

    @Test
    void anOrdinaryRunStillStartsAfterTheHostileOnes() throws Exception {
        for (Hostile h : hostile()) assertThat(post(h.text()).statusCode()).isEqualTo(400);
        HttpResponse<String> r = post("on: push\njobs:\n  j:\n    runs-on: x\n    strategy: {matrix: {a: [1, 2]}}\n"
                + "    steps: [{run: echo}]\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"queued\"");
    }
}
