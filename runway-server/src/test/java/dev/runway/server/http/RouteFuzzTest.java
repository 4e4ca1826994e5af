package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded, seeded fuzzer over every route the router has (read from {@link RunwayServer#routes()}, so a new route is
 * covered without touching this test): random and mutated JSON bodies, wrong types, huge and deep values, junk path
 * and query parameters, missing, bogus and valid tokens of each kind, wrong methods and content types, against a real
 * server. Every answer must be below 500, within {@link #MAX_ANSWER}, without a stack trace or a Java type name, and
 * every error must be the JSON error shape. {@code -Drunway.fuzz.seed=N} replays a run, {@code
 * -Drunway.fuzz.cases=N} sets its size; the seed and the case are in every failure message.
 */
class RouteFuzzTest {
    static final long SEED = Long.getLong("runway.fuzz.seed", 16L);
    static final int CASES = Integer.getInteger("runway.fuzz.cases", 10_000);
    static final Duration MAX_ANSWER = Duration.ofSeconds(5);
    static final Pattern PARAM = Pattern.compile("\\{(\\w+)}");
    static final Pattern JAVA_NAME = Pattern.compile(
            "\\b(java|javax|jakarta|kotlin|com\\.fasterxml|org\\.eclipse|io\\.javalin|dev\\.runway)\\.\\w");
    static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    static final String[] CONTENT_TYPES = {
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/octet-stream",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        "*/*"
    };
    static final String[] QUERY_NAMES = {
        "limit", "offset", "state", "runner", "since", "attempt", "key", "version", "restore", "repo", "kind", "window",
        "stats", "ifIdle", "wait", "x"
    };
    static final String JSON_BITS = "{}[]\":,0123456789.-eE truefalsnul\\\u0000\u00e9\ud83d\ude00";

    @TempDir
    static Path dir;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(MAX_ANSWER).build();

    /** Credentials of each kind, valid and not, and ids that exist. */
    record Fixtures(Map<String, String> tokens, List<String> ids) {}

    @Test
    void everyRouteAnswersEveryInputWithoutA5xxAStackTraceOrADelay() throws Exception {
        ServerConfig d = ServerConfig.defaults(dir);
        ServerConfig config = d.withPort(0)
                .withTimes(d.leaseTimeout(), d.heartbeatInterval(), Duration.ofSeconds(1)) // polls held 1 s at most
                .withLimits(4096, 16 * 1024);
        try (RunwayServer server = RunwayServer.start(config)) {
            List<String> routes = server.routes();
            assertThat(routes)
                    .as("routes read from the router")
                    .hasSizeGreaterThan(40)
                    .contains("GET /healthz");
            Fixtures f = fixtures(server);
            Map<String, Integer> perRoute = new TreeMap<>();
            Map<Integer, Integer> statuses = new TreeMap<>();
            long start = System.nanoTime();
            for (int i = 0; i < CASES; i++) {
                Random r = new Random(SEED * 1_000_003L + i);
                String route = routes.get(i % routes.size()); // every route, evenly
                int status = fuzzOne(server, f, route, r, "seed " + SEED + " case " + i + " (" + route + ")");
                perRoute.merge(route, 1, Integer::sum);
                statuses.merge(status, 1, Integer::sum);
            }
            System.out.printf(
                    "RouteFuzzTest: seed %d, %d cases over %d routes in %.1f s; answers by status %s%n",
                    SEED, CASES, routes.size(), (System.nanoTime() - start) / 1e9, statuses);
            assertThat(perRoute.keySet()).containsExactlyInAnyOrderElementsOf(routes);
            assertThat(statuses.keySet()).as("valid calls pass too").anyMatch(s -> s < 300);
        }
    }

    int fuzzOne(RunwayServer server, Fixtures f, String route, Random r, String where) throws Exception {
        String method = route.substring(0, route.indexOf(' '));
        if (r.nextInt(8) == 0) method = METHODS[r.nextInt(METHODS.length)];
        String template = route.substring(route.indexOf(' ') + 1);
        String path = path(template, f, r) + query(r);
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(MAX_ANSWER);
        String token = token(template, f, r);
        if (token != null) b.header("Authorization", token);
        if (r.nextInt(3) > 0) b.header("Content-Type", CONTENT_TYPES[r.nextInt(CONTENT_TYPES.length)]);
        if (r.nextInt(10) == 0) b.header("Last-Event-ID", junkToken(r));
        String body = body(r);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        String what = where + ": " + method + " " + abbreviate(path) + " token " + abbreviate(String.valueOf(token))
                + " body " + abbreviate(String.valueOf(body));
        long t0 = System.nanoTime();
        HttpResponse<InputStream> a;
        try {
            a = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new AssertionError(what + ": no answer within " + MAX_ANSWER, e);
        } catch (java.io.IOException e) {
            // refused at the request line (a NUL in the path) while a large body was still on its way: Jetty answers
            // and
            // closes, and the client may see the reset before the answer. Without the body the answer must come.
            if (body == null || body.length() < 8192) throw new AssertionError(what + ": " + e, e);
            b.method(method, HttpRequest.BodyPublishers.noBody());
            try {
                a = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (java.io.IOException again) {
                throw new AssertionError(what + " (sent again without its body): " + again, again);
            }
        }
        String type = a.headers().firstValue("Content-Type").orElse("");
        String text;
        try (InputStream in = a.body()) {
            // a log stream stays open while its job runs: its first bytes are enough
            text = new String(
                    type.startsWith("text/event-stream") ? in.readNBytes(0) : in.readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        int status = a.statusCode();
        assertThat(status).as(what + " answered " + text).isLessThan(500);
        assertThat(took).as(what + " took").isLessThan(MAX_ANSWER);
        assertThat(text).as(what).doesNotContain("\tat ", "Exception:");
        if (status >= 400 && !method.equals("HEAD")) {
            assertThat(type).as(what + ": " + text).startsWith("application/json");
            if (status == 409 && text.contains("\"committed\"")) return status; // documented LogAppendResponse
            ApiError e = Json.strict().readValue(text, ApiError.class);
            assertThat(e.error()).as(what).isNotBlank();
            assertThat(e.message()).as(what).isNotBlank().doesNotContain("`", "JsonToken", "Exception");
            assertThat(JAVA_NAME.matcher(e.message()).find())
                    .as(what + ": " + e.message())
                    .isFalse();
        }
        return status;
    }

    /** The route with each path parameter an id that exists or junk, URL-encoded. */
    static String path(String template, Fixtures f, Random r) {
        Matcher m = PARAM.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            // the running job's id most of the time on its runner routes (its job token is only good there)
            boolean jobRoute =
                    template.contains("/runner/jobs/{id}") && m.group(1).equals("id");
            String v = jobRoute && r.nextInt(3) > 0
                    ? f.ids().getFirst()
                    : r.nextInt(3) == 0 ? f.ids().get(r.nextInt(f.ids().size())) : junkParam(r);
            String enc = URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
            m.appendReplacement(sb, Matcher.quoteReplacement(enc));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String junkParam(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> "..";
            case 1 -> ".";
            case 2 -> "a/../../b";
            case 3 -> "x".repeat(300 + r.nextInt(3000));
            case 4 -> "\u0000\u0001\u001b\u007f";
            case 5 -> "a\\b%2e%2e";
            default -> junk(r, 1 + r.nextInt(20));
        };
    }

    static String query(Random r) {
        int n = r.nextInt(4);
        if (n == 0) return "";
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = QUERY_NAMES[r.nextInt(QUERY_NAMES.length)];
            String value = switch (r.nextInt(9)) {
                case 0 -> "-1";
                case 1 -> "0";
                case 2 -> "2147483648";
                case 3 -> "99999999999999999999999";
                case 4 -> "1e400";
                case 5 -> "";
                case 6 -> "x".repeat(1000 + r.nextInt(3000));
                case 7 -> Integer.toString(r.nextInt(3));
                default -> junk(r, 1 + r.nextInt(12));
            };
            // a positive wait holds the answer by design (long-polls): waits here are junk, 0 or negative only
            if (name.equals("wait") && value.matches("[0-9]*[1-9][0-9]*")) value = "0";
            parts.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
        return "?" + String.join("&", parts);
    }

    /** Half the time the credential the route takes (so bodies and parameters get parsed), else any other. */
    static String token(String template, Fixtures f, Random r) {
        if (r.nextBoolean()) {
            String kind = template.contains("/runner/jobs/{id}/")
                    ? "job"
                    : template.startsWith(ApiPaths.RUNNER_SELF) ? "runner" : "admin";
            return "Bearer " + f.tokens().get(kind);
        }
        List<String> kinds = new ArrayList<>(f.tokens().keySet());
        int pick = r.nextInt(kinds.size() + 6);
        if (pick < kinds.size()) return "Bearer " + f.tokens().get(kinds.get(pick));
        return switch (pick - kinds.size()) {
            case 0 -> null;
            case 1 -> "Bearer ";
            case 2 -> "Basic dXNlcjpwYXNz";
            case 3 -> "Bearer " + new String[] {"rwa_", "rwc_", "rwj_", "rwr_"}[r.nextInt(4)] + junkToken(r);
            case 4 -> "bearer " + junkToken(r) + " extra";
            default -> junkToken(r);
        };
    }

    static String junkToken(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0, n = 1 + r.nextInt(60); i < n; i++) sb.append((char) (33 + r.nextInt(94)));
        return sb.toString();
    }

    static String body(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> null;
            case 1 -> "";
            case 2 -> junk(r, r.nextInt(300));
            case 3 -> deep(r.nextBoolean() ? 150 : 1200, r);
            case 4 -> "{\"name\":" + "9".repeat(200 + r.nextInt(1200)) + "}";
            case 5 -> "{\"value\":\"" + "v".repeat(10_000 + r.nextInt(20_000)) + "\"}"; // around the 16 KiB limit
            case 6, 7 -> mutate(VALID_BODIES.get(r.nextInt(VALID_BODIES.size())), r);
            default -> randomJson(r, 0).toString();
        };
    }

    static String deep(int depth, Random r) {
        String open = r.nextBoolean() ? "[" : "{\"x\":";
        String close = open.equals("[") ? "]" : "}";
        return "{\"contexts\":{\"a\":" + open.repeat(depth) + "1" + close.repeat(depth) + "}}";
    }

    /** Valid bodies of the routes that take one, to mutate. */
    static final List<String> VALID_BODIES = List.of(
            "{\"name\":\"b\",\"labels\":[\"fuzz\"],\"env\":{\"A\":\"1\"},\"steps\":[{\"name\":\"s\",\"run\":\"echo hi\","
                    + "\"timeoutSeconds\":5}],\"timeoutSeconds\":60,\"maxAttempts\":2}",
            "{\"repo\":\"/nonexistent/repo\",\"ref\":\"main\",\"workflow\":\".github/workflows/ci.yml\","
                    + "\"inputs\":{\"x\":\"1\"},\"event\":\"push\"}",
            "{\"value\":\"fuzz-value-123\"}",
            "{\"role\":\"viewer\",\"expiresIn\":\"1d\",\"name\":\"fuzz\"}",
            "{\"expiresIn\":\"1h\",\"maxUses\":1}",
            "{\"token\":\"rwr_x\",\"name\":\"r\",\"labels\":[\"linux\"],\"slots\":1,\"version\":\"1\"}",
            "{\"waitSeconds\":0}",
            "{\"healthy\":false,\"reason\":\"disk full\",\"resources\":{\"cpus\":2}}",
            "{\"result\":\"succeeded\",\"reason\":\"ok\",\"steps\":[],\"outputs\":{\"a\":\"b\"},\"annotations\":[],"
                    + "\"usage\":{\"cpuSeconds\":1.5,\"peakMemoryBytes\":10,\"oomKilled\":false},\"secretsMasked\":0}",
            "{\"provider\":\"fake\",\"desired\":1,\"runners\":[],\"labels\":[\"x\"]}");

    static String mutate(String s, Random r) {
        int i = r.nextInt(s.length() + 1);
        String bits = junk(r, 1 + r.nextInt(6));
        return switch (r.nextInt(6)) {
            case 0 -> s.substring(0, i);
            case 1 -> s.substring(0, i) + bits + s.substring(i);
            case 2 -> s.substring(0, i) + bits + s.substring(Math.min(s.length(), i + bits.length()));
            case 3 ->
                s.replace("\"1\"", "1")
                        .replace("[\"linux\"]", "\"linux\"")
                        .replace("60", "\"60\"")
                        .replace("false", "\"no\"")
                        .replace("[]", "{}");
            case 4 ->
                s.replace("1", "99999999999999999999").replace("\"b\"", "null").replace("0", "-1");
            default -> s.replaceFirst(":\"[^\"]*\"", ":" + randomJson(r, 2));
        };
    }

    static Object randomJson(Random r, int depth) {
        int k = r.nextInt(depth > 4 ? 5 : 8);
        return switch (k) {
            case 0 -> "null";
            case 1 -> r.nextBoolean();
            case 2 -> r.nextInt(5) == 0 ? Long.MAX_VALUE + "0" : Integer.toString(r.nextInt());
            case 3 -> r.nextDouble() * 1e300;
            case 4 -> jsonString(junk(r, r.nextInt(40)));
            case 5 -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0, n = r.nextInt(4); i < n; i++)
                    sb.append(i == 0 ? "" : ",").append(randomJson(r, depth + 1));
                yield sb.append(']').toString();
            }
            default -> {
                String[] names = {
                    "name",
                    "steps",
                    "run",
                    "labels",
                    "env",
                    "value",
                    "role",
                    "token",
                    "result",
                    "waitSeconds",
                    "timeoutSeconds",
                    "maxAttempts",
                    "repo",
                    "ref",
                    "inputs",
                    "healthy",
                    "x"
                };
                StringBuilder sb = new StringBuilder("{");
                for (int i = 0, n = r.nextInt(5); i < n; i++)
                    sb.append(i == 0 ? "" : ",")
                            .append(jsonString(names[r.nextInt(names.length)]))
                            .append(':')
                            .append(randomJson(r, depth + 1));
                yield sb.append('}').toString();
            }
        };
    }

    static String jsonString(String s) {
        try {
            return Json.lenient().writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String junk(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(JSON_BITS.charAt(r.nextInt(JSON_BITS.length())));
        return sb.toString();
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…(" + s.length() + " chars)";
    }

    /** A viewer, operator and admin token, a runner with a running job (its credential and job token), and ids. */
    Fixtures fixtures(RunwayServer server) throws Exception {
        String admin = server.adminToken();
        Map<String, String> tokens = new TreeMap<>();
        tokens.put("admin", admin);
        for (String role : List.of("viewer", "operator")) {
            HttpApiTest.Answer a = HttpApiTest.call(
                    server,
                    "POST",
                    ApiPaths.API_TOKENS,
                    admin,
                    "{\"role\":\"" + role + "\",\"name\":\"" + role + "\"}");
            tokens.put(role, Json.lenient().readTree(a.body()).path("token").asText());
        }
        String reg = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        admin,
                        HttpApiTest.json(new RegistrationTokenRequest("1h", 1000)))
                .as(RegistrationTokenView.class)
                .token();
        tokens.put("registration", reg);
        RegisterResponse runner = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        HttpApiTest.json(new RegisterRequest(reg, "fuzz", List.of("fuzz"), 2, "test")))
                .as(RegisterResponse.class);
        tokens.put("runner", runner.credential());
        JobView job = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.JOBS,
                        admin,
                        HttpApiTest.json(
                                new JobSpec("fuzz", List.of("fuzz"), null, List.of(StepSpec.of("s", "true")), null, 1)))
                .as(JobView.class);
        Assignment assigned = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.RUNNER_JOBS_NEXT,
                        runner.credential(),
                        HttpApiTest.json(new PollRequest(1)))
                .as(Assignment.class);
        tokens.put("job", assigned.jobToken());
        return new Fixtures(
                tokens, List.of(job.id(), runner.runnerId(), "FUZZ_SECRET", "fuzz-pool", "index.html", "r1"));
    }
}
