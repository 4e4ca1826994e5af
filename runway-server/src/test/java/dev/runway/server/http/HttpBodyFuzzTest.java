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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of the API's request bodies (jqwik, a bounded number of tries): valid bodies of each
 * endpoint truncated, spliced, with characters replaced or JSON types swapped, and arbitrary bytes, sent to a real
 * server. Every answer must come within the timeout and be a 2xx or a 4xx with an error body and a message — never
 * a 5xx, a stack trace or a hang.
 */
class HttpBodyFuzzTest {
    static Path dir;
    static RunwayServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    record Target(String method, String path, String valid) {}

    static final List<Target> TARGETS = List.of(
            new Target(
                    "POST",
                    ApiPaths.JOBS,
                    "{\"name\":\"b\",\"labels\":[\"linux\"],\"env\":{\"A\":\"1\"},\"steps\":[{\"name\":\"s\",\"run\":\"echo"
                            + " hi\",\"timeoutSeconds\":5}],\"timeoutSeconds\":60,\"maxAttempts\":2}"),
            new Target(
                    "POST",
                    ApiPaths.RUNS,
                    "{\"repo\":\"/nonexistent/repo\",\"ref\":\"main\",\"workflow\":\".github/workflows/ci.yml\","
                            + "\"inputs\":{\"x\":\"1\"},\"event\":\"push\"}"),
            new Target("PUT", ApiPaths.SECRET.replace("{name}", "FUZZ_SECRET"), "{\"value\":\"fuzz-value-123\"}"),
            new Target("POST", ApiPaths.API_TOKENS, "{\"role\":\"viewer\",\"expiresIn\":\"1d\",\"name\":\"fuzz\"}"),
            new Target("POST", ApiPaths.REGISTRATION_TOKENS, "{\"expiresIn\":\"1h\",\"maxUses\":1}"),
            new Target(
                    "POST",
                    ApiPaths.RUNNERS_REGISTER,
                    "{\"token\":\"rwr_x\",\"name\":\"r\",\"labels\":[\"linux\"],\"slots\":1,\"version\":\"1\"}"));

    static final String JSON_BITS = "{}[]\":,0123456789.-eE truefalsnul\\\u0000\u00e9\ud83d\ude00";

    @BeforeContainer
    static void start() throws Exception {
        dir = Files.createTempDirectory("runway-fuzz");
        server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0));
    }

    @AfterContainer
    static void stop() {
        server.close();
    }

    @Property(tries = 600)
    void mutatedBodiesGetA4xxWithAMessageNeverA5xx(@ForAll("targets") Target t, @ForAll("mutations") Mutation m)
            throws Exception {
        assertAnswered(t, m.apply(t.valid()));
    }

    @Property(tries = 200)
    void arbitraryBodiesGetA4xxWithAMessageNeverA5xx(@ForAll("targets") Target t, @ForAll("junk") String body)
            throws Exception {
        assertAnswered(t, body);
    }

    static void assertAnswered(Target t, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.url() + t.path()))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + server.adminToken())
                .header("Content-Type", "application/json")
                .method(t.method(), HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> a = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(a.statusCode()).as(t + " with " + body + ": " + a.body()).isLessThan(500);
        if (a.statusCode() >= 400) {
            ApiError e = Json.lenient().readValue(a.body(), ApiError.class);
            assertThat(e.message())
                    .as(a.body())
                    .isNotBlank()
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
    }

    /** One change to a valid body. */
    record Mutation(int kind, int at, String bits) {
        String apply(String s) {
            int i = at % (s.length() + 1);
            return switch (kind) {
                case 0 -> s.substring(0, i);
                case 1 -> s.substring(0, i) + bits + s.substring(i);
                case 2 -> s.substring(0, i) + bits + s.substring(Math.min(s.length(), i + bits.length()));
                case 3 ->
                    s.replace("\"1\"", "1").replace("[\"linux\"]", "\"linux\"").replace("60", "\"60\"");
                case 4 -> s.replace("1", "99999999999999999999").replace("\"b\"", "null");
                default -> s.repeat(Math.max(1, bits.length()));
            };
        }
    }

    @Provide
    Arbitrary<Target> targets() {
        return Arbitraries.of(TARGETS);
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 5),
                        Arbitraries.integers().between(0, 10_000),
                        Arbitraries.strings()
                                .withChars(JSON_BITS)
                                .ofMinLength(1)
                                .ofMaxLength(6))
                .as(Mutation::new);
    }

    @Provide
    Arbitrary<String> junk() {
        return Arbitraries.strings().withChars(JSON_BITS + "abcxyz").ofMaxLength(200);
    }
}
