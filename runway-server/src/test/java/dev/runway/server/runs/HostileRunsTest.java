package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
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

    @Test
    void anOrdinaryRunStillStartsAfterTheHostileOnes() throws Exception {
        for (Hostile h : hostile()) assertThat(post(h.text()).statusCode()).isEqualTo(400);
        HttpResponse<String> r = post("on: push\njobs:\n  j:\n    runs-on: x\n    strategy: {matrix: {a: [1, 2]}}\n"
                + "    steps: [{run: echo}]\n");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"queued\"");
    }
}
