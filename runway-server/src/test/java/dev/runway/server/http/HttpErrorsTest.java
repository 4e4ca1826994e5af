package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.util.Jetty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal is the documented JSON error shape in plain words, whoever makes it (a route, Javalin or Jetty), and
 * hostile JSON (deep, long numbers) is a 400 naming the limit: a real server, requests written on a socket.
 */
class HttpErrorsTest {
    @TempDir
    static Path dir;

    static RunwayServer server;

    @BeforeAll
    static void start() {
        server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0)); // 8 MiB bodies
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawHttp.Answer send(String method, String target, String body) throws Exception {
        return send(method, target, Map.of("Authorization", "Bearer " + server.adminToken()), body);
    }

    static RawHttp.Answer send(String method, String target, Map<String, String> headers, String body)
            throws Exception {
        return RawHttp.send(
                server.port(),
                method,
                target,
                headers,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                10_000);
    }

    /** The documented shape, a code, and a message in plain words: no Java or Jackson type, no stack trace. */
    static ApiError assertError(RawHttp.Answer a, int status, String code) throws Exception {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).as(a.body()).startsWith("application/json");
        ApiError e = Json.strict().readValue(a.body(), ApiError.class);
        assertThat(e.error()).isEqualTo(code);
        assertPlain(e.message());
        return e;
    }

    static void assertPlain(String message) {
        assertThat(message)
                .isNotBlank()
                .doesNotContainPattern("\\b(java|javax|jakarta|com|dev|org|io|kotlin)\\.[a-z]")
                .doesNotContain("Exception", "`", "JsonToken", "StreamReadConstraints", "\tat ", "Cannot deserialize")
                .doesNotContainPattern(
                        "\\bof (int|long)\\b|\\b(Integer|Long|ArrayList|LinkedHashMap|StepSpec|JobSpec)\\b");
    }

    @Test
    void wrongTypesAreNamedInJsonWords() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"name\":\"a\",\"steps\":\"x\"}", "steps: expected an array, got a string",
                "{\"name\":\"a\",\"steps\":[{\"run\":[\"x\"]}]}", "steps[0].run: expected a string, got an array",
                "{\"name\":\"a\",\"steps\":[{\"run\":\"x\",\"timeoutSeconds\":\"abc\"}]}",
                        "steps[0].timeoutSeconds: 'abc' is not a whole number",
                "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"timeoutSeconds\":99999999999999}",
                        "timeoutSeconds: number out of range for a whole number (at most 2147483647)",
                "{\"name\":\"a\",\"env\":{\"A\":{\"b\":1}},\"steps\":[{\"run\":\"x\"}]}",
                        "env.A: expected a string, got an object",
                "{\"name\":\"a\",", "malformed JSON at line 1, column 13");
        for (var c : cases.entrySet())
            assertThat(assertError(send("POST", ApiPaths.JOBS, c.getKey()), 400, "bad_request")
                            .message())
                    .as(c.getKey())
                    .startsWith(c.getValue());
        assertThat(assertError(send("POST", ApiPaths.API_TOKENS, "{\"role\":[1]}"), 400, "bad_request")
                        .message())
                .startsWith("role:");
    }

    @Test
    void deepNestingAndLongNumbersAreA400NamingTheLimit() throws Exception {
        String deep = nested(1200);
        String justOver = nested(Json.MAX_INPUT_DEPTH);
        String digits = "9".repeat(1200);
        // a field that takes any JSON (contexts), one that takes a number, and the nesting of the body itself
        for (String body : new String[] {
            "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"contexts\":" + justOver + "}",
            "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"contexts\":" + deep + "}",
            "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"contexts\":{\"x\":" + digits + "}}",
            "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"timeoutSeconds\":" + digits + "}",
            "{\"name\":\"a\",\"steps\":[{\"run\":\"x\"}],\"contexts\":" + nested(Json.MAX_INPUT_DEPTH - 2) + "}"
        }) {
            RawHttp.Answer a = send("POST", ApiPaths.JOBS, body);
            if (body.contains(nested(Json.MAX_INPUT_DEPTH - 2)) && !body.contains(justOver)) {
                assertThat(a.status()).as("within the limit: " + a.body()).isEqualTo(201);
                continue;
            }
            assertThat(assertError(a, 400, "bad_request").message())
                    .containsAnyOf(
                            "JSON nested deeper than 100 levels (the limit)",
                            "a number longer than 100 characters (the limit)");
        }
        // every JSON endpoint reads through the same limits (lenient ones skip an unknown field, and are still limited)
        for (String path : new String[] {
            ApiPaths.JOBS,
            ApiPaths.RUNS,
            ApiPaths.API_TOKENS,
            ApiPaths.REGISTRATION_TOKENS,
            ApiPaths.RUNNERS_REGISTER,
            "/api/v1/secrets/X"
        }) {
            String method = path.contains("secrets") ? "PUT" : "POST";
            for (String value : new String[] {justOver, "1".repeat(1001)}) {
                RawHttp.Answer a = send(method, path, "{\"x\":" + value + "}");
                assertError(a, 400, "bad_request");
            }
        }
        assertThat(assertError(send("POST", ApiPaths.RUNNERS_REGISTER, "{\"x\":" + justOver + "}"), 400, "bad_request")
                        .message())
                .contains("deeper than 100 levels");
        String big = "{\"name\":\"" + "a".repeat((int) ServerConfig.DEFAULT_MAX_BODY_BYTES) + "\"}";
        assertThat(assertError(send("POST", ApiPaths.JOBS, big), 413, "payload_too_large")
                        .message())
                .contains("exceeds the limit of " + ServerConfig.DEFAULT_MAX_BODY_BYTES);
    }

    @Test
    void jettyAndJavalinRefusalsAreTheJsonShapeToo() throws Exception {
        assertThat(assertError(send("DELETE", ApiPaths.HEALTH, null), 405, "method_not_allowed")
                        .message())
                .isEqualTo("DELETE is not allowed on /healthz");
        assertError(send("PATCH", ApiPaths.JOBS, null), 405, "method_not_allowed");
        assertError(send("GET", "/no/such/route", null), 404, "not_found");
        assertError(send("GET", ApiPaths.PREFIX + "/jobs/%ZZ", null), 400, "bad_request");
        assertError(send("GET", ApiPaths.PREFIX + "/jobs/%00", null), 400, "bad_request");
        assertError(send("GET", ApiPaths.PREFIX + "/jobs/a%2F..%2F..", null), 404, "not_found");
        assertError(send("GET", ApiPaths.PREFIX + "/jobs/" + "a".repeat(20_000), null), 414, "uri_too_long");
        assertError(send("GET", ApiPaths.JOBS, Map.of("X-Big", "a".repeat(20_000)), null), 431, "headers_too_large");
        assertError(
                send("GET", ApiPaths.JOBS, Map.of("Authorization", "Bearer rwa_x\u0001"), null), 400, "bad_request");
        // a chunked body (no declared length) past the limit
        RawHttp.Answer chunked = RawHttp.send(
                server.port(),
                "POST",
                ApiPaths.JOBS,
                Map.of("Authorization", "Bearer " + server.adminToken(), "Transfer-Encoding", "chunked"),
                chunk("{\"name\":\"" + "a".repeat((int) ServerConfig.DEFAULT_MAX_BODY_BYTES) + "\"}"),
                10_000);
        assertError(chunked, 413, "payload_too_large");
        assertError(send("GET", "/dashboard/nope.js", null), 404, "not_found");
        assertThat(assertError(send("FOO", ApiPaths.JOBS, null), 405, "method_not_allowed")
                        .message())
                .isEqualTo("FOO is not allowed on /api/v1/jobs");
    }

    @Test
    void aRequestJettyCannotParseIsRefusedWithConnectionCloseSoAKeptConnectionIsNotReused() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        // Jetty closes the connection after these; Jetty 12 left the header out, and the JDK client then sent its next
        // request on the closed connection ("header parser received no bytes")
        for (String path :
                new String[] {ApiPaths.PREFIX + "/jobs/%00", ApiPaths.PREFIX + "/jobs/" + "a".repeat(20_000)}) {
            for (int round = 0; round < 10; round++) {
                HttpResponse<String> refused = http.send(
                        HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(refused.body()).isIn(400, 414);
                assertThat(refused.headers().firstValue("Connection")).hasValue("close");
                assertThat(refused.headers().firstValue("Server"))
                        .as("no server version")
                        .isEmpty();
                // a POST is never repeated by the client: it fails if it goes out on a connection Jetty has closed
                HttpResponse<String> next = http.send(
                        HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.HEALTH))
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(next.statusCode()).as(next.body()).isEqualTo(405);
            }
        }
    }

    @Test
    void theServerRunsOnJetty12() {
        // Jetty 11 is past community support; a dependency that drags it back in fails here, not in production
        assertThat(Jetty.VERSION).startsWith("12.");
    }

    @Test
    void headIsAnsweredAsGetWithoutABody() throws Exception {
        assertThat(send("HEAD", ApiPaths.JOBS, Map.of(), null).status())
                .as("no token")
                .isEqualTo(401);
        assertThat(send("HEAD", ApiPaths.PREFIX + "/jobs/nope", null).status()).isEqualTo(404);
        RawHttp.Answer ok = send("HEAD", ApiPaths.JOBS, null);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEmpty();
        assertThat(send("HEAD", ApiPaths.HEALTH, Map.of(), null).status()).isEqualTo(200);
    }

    /** Objects nested {@code depth} deep: {"x":{"x":...}}. */
    static String nested(int depth) {
        return "{\"x\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    static byte[] chunk(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        String head = Integer.toHexString(b.length) + "\r\n";
        byte[] out = new byte[head.length() + b.length + 7];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, out, 0, head.length());
        System.arraycopy(b, 0, out, head.length(), b.length);
        System.arraycopy("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, out, head.length() + b.length, 7);
        return out;
    }
}
