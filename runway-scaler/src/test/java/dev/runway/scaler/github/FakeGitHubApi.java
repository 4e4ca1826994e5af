package dev.runway.scaler.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for GitHub's REST API (GitHub is not reachable from the test machine): the self-hosted runner endpoints
 * of one repository, with the request and response shapes of GitHub's documentation ("REST API endpoints for
 * self-hosted runners", API version 2022-11-28): generate-jitconfig answers {@code 201 {runner, encoded_jit_config}}
 * and refuses a name it has (409); the list answers {@code {total_count, runners}} in pages with a {@code Link}
 * header; delete answers 204, 404 for an unknown runner, 422 for a busy one; errors are {@code {message,
 * documentation_url}}. Every request must carry the token, GitHub's media type and the API version header.
 */
final class FakeGitHubApi implements AutoCloseable {
    private static final ObjectMapper JSON = Json.lenient();
    private static final String DOCS = "https://docs.github.com/rest/actions/self-hosted-runners";

    /** A request the fake received (method, path with query, body). */
    record Request(String method, String path, JsonNode body) {}

    /** A runner GitHub holds. */
    static final class Runner {
        final long id;
        final String name;
        final List<String> labels;
        volatile String status = "offline";
        volatile boolean busy;

        Runner(long id, String name, List<String> labels) {
            this.id = id;
            this.name = name;
            this.labels = labels;
        }
    }

    /** A canned failure for the next matching request. */
    record Failure(String method, String pathPart, int status, String message, Map<String, String> headers) {}

    final String token;
    final String repository;
    private final HttpServer server;
    private final AtomicLong ids = new AtomicLong(100);
    final Map<String, Runner> runners = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Failure> failures = new CopyOnWriteArrayList<>();

    FakeGitHubApi(String token, String repository) throws IOException {
        this.token = token;
        this.repository = repository;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> jitRequests() {
        return requests.stream()
                .filter(r -> r.method().equals("POST") && r.path().endsWith("/generate-jitconfig"))
                .toList();
    }

    List<Request> deletes() {
        return requests.stream().filter(r -> r.method().equals("DELETE")).toList();
    }

    /** The configuration GitHub would hand out for runner {@code name}: opaque, base64, unique. */
    static String jitConfigFor(String name, long id) {
        return Base64.getEncoder()
                .encodeToString(("{\".runner\":\"" + name + "\",\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8));
    }

    Runner add(String name, String... labels) {
        Runner r = new Runner(ids.incrementAndGet(), name, List.of(labels));
        runners.put(name, r);
        return r;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            byte[] raw = ex.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            requests.add(new Request(method, path + (query == null ? "" : "?" + query), body));
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Bearer " + token)) {
                error(ex, 401, "Bad credentials", Map.of());
                return;
            }
            if (!"application/vnd.github+json".equals(ex.getRequestHeaders().getFirst("Accept"))
                    || !"2022-11-28".equals(ex.getRequestHeaders().getFirst("X-GitHub-Api-Version"))) {
                error(ex, 400, "the test's fake wants GitHub's media type and API version headers", Map.of());
                return;
            }
            for (Failure f : failures) {
                if (f.method().equals(method) && path.contains(f.pathPart())) {
                    failures.remove(f);
                    error(ex, f.status(), f.message(), f.headers());
                    return;
                }
            }
            String base = "/repos/" + repository + "/actions/runners";
            Matcher one = Pattern.compile(Pattern.quote(base) + "/(\\d+)").matcher(path);
            if (method.equals("POST") && path.equals(base + "/generate-jitconfig")) {
                generate(ex, body);
            } else if (method.equals("GET") && path.equals(base)) {
                list(ex, query);
            } else if (method.equals("DELETE") && one.matches()) {
                delete(ex, Long.parseLong(one.group(1)));
            } else {
                error(ex, 404, "Not Found", Map.of());
            }
        }
    }

    private void generate(HttpExchange ex, JsonNode body) throws IOException {
        if (body == null
                || !body.path("name").isTextual()
                || !body.path("runner_group_id").isIntegralNumber()
                || !body.path("labels").isArray()
                || body.path("labels").isEmpty()) {
            error(ex, 422, "Invalid request.", Map.of());
            return;
        }
        String name = body.path("name").asText();
        if (runners.containsKey(name)) {
            error(ex, 409, "Already exists - A runner with the name " + name + " already exists.", Map.of());
            return;
        }
        List<String> labels = new ArrayList<>();
        body.path("labels").forEach(l -> labels.add(l.asText()));
        Runner r = add(name, labels.toArray(String[]::new));
        ObjectNode answer = JSON.createObjectNode();
        answer.set("runner", runnerJson(r));
        answer.put("encoded_jit_config", jitConfigFor(name, r.id));
        send(ex, 201, answer, Map.of());
    }

    private void list(HttpExchange ex, String query) throws IOException {
        Map<String, String> q = new LinkedHashMap<>();
        if (query != null)
            for (String kv : query.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        int perPage = Integer.parseInt(q.getOrDefault("per_page", "30"));
        int page = Integer.parseInt(q.getOrDefault("page", "1"));
        List<Runner> all;
        synchronized (runners) {
            all = runners.values().stream()
                    .filter(r -> !q.containsKey("name") || r.name.equals(q.get("name")))
                    .toList();
        }
        int from = Math.min(all.size(), (page - 1) * perPage);
        int to = Math.min(all.size(), from + perPage);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("total_count", all.size());
        ArrayNode list = answer.putArray("runners");
        for (Runner r : all.subList(from, to)) list.add(runnerJson(r));
        Map<String, String> headers = new LinkedHashMap<>();
        if (to < all.size()) {
            String next = url() + "/repos/" + repository + "/actions/runners?per_page=" + perPage + "&page="
                    + (page + 1) + (q.containsKey("name") ? "&name=" + q.get("name") : "");
            headers.put("Link", "<" + next + ">; rel=\"next\", <" + next + ">; rel=\"last\"");
        }
        send(ex, 200, answer, headers);
    }

    private void delete(HttpExchange ex, long id) throws IOException {
        Runner r;
        synchronized (runners) {
            r = runners.values().stream().filter(x -> x.id == id).findFirst().orElse(null);
            if (r != null && !r.busy) runners.remove(r.name);
        }
        if (r == null) {
            error(ex, 404, "Not Found", Map.of());
        } else if (r.busy) {
            error(ex, 422, "Bad request - Runner \"" + r.name + "\" is still running a job", Map.of());
        } else {
            ex.sendResponseHeaders(204, -1);
        }
    }

    private static ObjectNode runnerJson(Runner r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", r.id);
        n.put("name", r.name);
        n.put("os", "linux");
        n.put("status", r.status);
        n.put("busy", r.busy);
        n.put("ephemeral", true);
        ArrayNode labels = n.putArray("labels");
        long i = 1;
        for (String l : r.labels)
            labels.addObject().put("id", i++).put("name", l).put("type", "custom");
        return n;
    }

    private void error(HttpExchange ex, int status, String message, Map<String, String> headers) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("message", message);
        n.put("documentation_url", DOCS);
        n.put("status", String.valueOf(status));
        send(ex, status, n, headers);
    }

    private static void send(HttpExchange ex, int status, JsonNode body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
