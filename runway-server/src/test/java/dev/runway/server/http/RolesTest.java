package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.Json;
import dev.runway.protocol.Role;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of the API, called with no token, with each role's token, and with the wrong kind of credential:
 * 401 without a token, 403 below the endpoint's role, neither at or above it. The table must name every path in
 * {@link ApiPaths}, so a new endpoint cannot be added without deciding who may call it.
 */
class RolesTest {
    @TempDir
    static Path dir;

    static RunwayServer server;
    static final HttpClient http = HttpClient.newHttpClient();
    static final Map<Role, String> tokens = new EnumMap<>(Role.class);

    /** One endpoint and the least role that may call it; null: not for API tokens at all (runner protocol). */
    record Endpoint(String method, String path, Role needs) {}

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", ApiPaths.JOBS, Role.OPERATOR),
            new Endpoint("GET", ApiPaths.JOBS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.JOB, Role.VIEWER),
            new Endpoint("POST", ApiPaths.JOB_CANCEL, Role.OPERATOR),
            new Endpoint("GET", ApiPaths.JOB_LOGS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.JOB_LOG_EVENTS, Role.VIEWER),
            new Endpoint("POST", ApiPaths.RUNS, Role.OPERATOR),
            new Endpoint("GET", ApiPaths.RUNS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.RUN, Role.VIEWER),
            new Endpoint("POST", ApiPaths.RUN_CANCEL, Role.OPERATOR),
            new Endpoint("POST", ApiPaths.RUN_RERUN, Role.OPERATOR),
            new Endpoint("GET", ApiPaths.RUN_ARTIFACTS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.RUN_ARTIFACT, Role.VIEWER),
            new Endpoint("GET", ApiPaths.RUNNERS, Role.VIEWER),
            new Endpoint("DELETE", ApiPaths.RUNNER, Role.ADMIN),
            new Endpoint("GET", ApiPaths.QUEUE, Role.VIEWER),
            new Endpoint("GET", ApiPaths.STATS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.METRICS, Role.VIEWER),
            new Endpoint("GET", ApiPaths.POOLS, Role.VIEWER),
            new Endpoint("PUT", ApiPaths.POOL, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.POOL, Role.ADMIN),
            new Endpoint("POST", ApiPaths.POOL_DRAIN, Role.OPERATOR),
            new Endpoint("POST", ApiPaths.POOL_RESUME, Role.OPERATOR),
            new Endpoint("POST", ApiPaths.POOL_PROMOTE, Role.ADMIN),
            new Endpoint("POST", ApiPaths.POOL_ROLLBACK, Role.ADMIN),
            new Endpoint("POST", ApiPaths.REGISTRATION_TOKENS, Role.ADMIN),
            new Endpoint("GET", ApiPaths.REGISTRATION_TOKENS, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.REGISTRATION_TOKEN, Role.ADMIN),
            new Endpoint("POST", ApiPaths.API_TOKENS, Role.ADMIN),
            new Endpoint("GET", ApiPaths.API_TOKENS, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.API_TOKEN, Role.ADMIN),
            new Endpoint("GET", ApiPaths.SECRETS, Role.ADMIN),
            new Endpoint("PUT", ApiPaths.SECRET, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.SECRET, Role.ADMIN),
            new Endpoint("POST", ApiPaths.SECRETS_ROTATE_KEY, Role.ADMIN),
            new Endpoint("GET", ApiPaths.VARIABLES, Role.VIEWER),
            new Endpoint("GET", ApiPaths.ENVIRONMENTS, Role.VIEWER),
            new Endpoint("PUT", ApiPaths.ENVIRONMENT, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.ENVIRONMENT, Role.ADMIN),
            new Endpoint("GET", ApiPaths.RUN_DEPLOYMENTS, Role.VIEWER),
            new Endpoint("GET", WorkflowRoutes.WORKFLOWS, Role.OPERATOR),
            new Endpoint("GET", ApiPaths.API_TOKEN_SELF, Role.VIEWER),
            new Endpoint("PUT", ApiPaths.VARIABLE, Role.ADMIN),
            new Endpoint("DELETE", ApiPaths.VARIABLE, Role.ADMIN),
            new Endpoint("GET", ApiPaths.AUDIT, Role.ADMIN),
            new Endpoint("GET", ApiPaths.AUDIT_VERIFY, Role.ADMIN),
            new Endpoint("GET", ApiPaths.GITHUB_WORKFLOW_JOBS, Role.ADMIN),
            // the runner protocol: runner credentials and job tokens only, never an API token
            new Endpoint("POST", ApiPaths.RUNNER_JOBS_NEXT, null),
            new Endpoint("DELETE", ApiPaths.RUNNER_SELF, null),
            new Endpoint("POST", ApiPaths.RUNNER_HEALTH, null),
            new Endpoint("POST", ApiPaths.RUNNER_CREDENTIAL, null),
            new Endpoint("POST", ApiPaths.RUNNER_RELEASE, null),
            new Endpoint("POST", ApiPaths.RUNNER_JOB_HEARTBEAT, null),
            new Endpoint("POST", ApiPaths.RUNNER_LEASES, null),
            new Endpoint("POST", ApiPaths.RUNNER_JOB_LOGS, null),
            new Endpoint("POST", ApiPaths.RUNNER_LOGS, null),
            new Endpoint("POST", ApiPaths.RUNNER_JOB_COMPLETE, null),
            new Endpoint("GET", ApiPaths.RUNNER_JOB_CACHE, null),
            new Endpoint("PUT", ApiPaths.RUNNER_JOB_CACHE, null),
            new Endpoint("GET", ApiPaths.RUNNER_JOB_CACHE_BLOB, null),
            new Endpoint("GET", ApiPaths.RUNNER_JOB_ARTIFACTS, null),
            new Endpoint("PUT", ApiPaths.RUNNER_JOB_ARTIFACT, null),
            new Endpoint("GET", ApiPaths.RUNNER_JOB_ARTIFACT, null));

    /** Open to all: the health check, and registration (which carries its own token in the body). */
    static final Set<String> PUBLIC =
            Set.of(ApiPaths.HEALTH, ApiPaths.RUNNERS_REGISTER, ApiPaths.PREFIX, ApiPaths.WEBHOOK_GITHUB);

    @BeforeAll
    static void start() throws Exception {
        server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0));
        tokens.put(Role.ADMIN, server.adminToken());
        for (Role r : List.of(Role.VIEWER, Role.OPERATOR)) {
            HttpResponse<String> created = call(
                    "POST",
                    ApiPaths.API_TOKENS,
                    server.adminToken(),
                    Json.lenient()
                            .writeValueAsString(new ApiTokenView.CreateRequest(r.wireName(), "1d", "roles test")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            tokens.put(
                    r,
                    Json.lenient().readValue(created.body(), ApiTokenView.class).token());
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String concrete(String path) {
        return path.replace("{id}", "x1").replace("{name}", "NAME_1");
    }

    @Test
    void everyEndpointChecksTheCallersRole() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : ENDPOINTS) {
            String path = concrete(e.path());
            String body = e.method().equals("GET") || e.method().equals("DELETE") ? null : "{}";
            int none = call(e.method(), path, null, body).statusCode();
            if (none != 401) wrong.add(e + " without a token answered " + none);
            for (Role r : Role.values()) {
                HttpResponse<String> a = call(e.method(), path, tokens.get(r), body);
                int status = a.statusCode();
                boolean allowed = e.needs() != null && r.includes(e.needs());
                if (e.needs() == null && status != 401) wrong.add(e + " with a " + r + " API token: " + status);
                else if (e.needs() != null && !allowed && status != 403) wrong.add(e + " as " + r + ": " + status);
                else if (allowed && (status == 401 || status == 403)) wrong.add(e + " as " + r + ": " + a.body());
                if (status >= 500) wrong.add(e + " as " + r + " failed: " + a.body());
            }
        }
        assertThat(wrong).isEmpty();
        HttpResponse<String> denied = call("POST", ApiPaths.JOBS, tokens.get(Role.VIEWER), "{}");
        assertThat(denied.body()).contains("this call needs the operator role; this token has viewer");
    }

    @Test
    void theTableNamesEveryPath() throws Exception {
        Set<String> inTable = new HashSet<>();
        ENDPOINTS.forEach(e -> inTable.add(e.path()));
        List<String> missing = new ArrayList<>();
        for (Field f : ApiPaths.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != String.class) continue;
            String p = (String) f.get(null);
            if (!PUBLIC.contains(p) && !inTable.contains(p)) missing.add(f.getName() + " " + p);
        }
        assertThat(missing).as("paths without a role decision").isEmpty();
    }

    @Test
    void aRevokedOrExpiredTokenIsRefusedOnItsNextRequest() throws Exception {
        HttpResponse<String> created = call(
                "POST",
                ApiPaths.API_TOKENS,
                server.adminToken(),
                Json.lenient().writeValueAsString(new ApiTokenView.CreateRequest("viewer", "1h", "short-lived")));
        ApiTokenView t = Json.lenient().readValue(created.body(), ApiTokenView.class);
        assertThat(t.token()).startsWith("rwa_");
        assertThat(call("GET", ApiPaths.JOBS, t.token(), null).statusCode()).isEqualTo(200);
        HttpResponse<String> list = call("GET", ApiPaths.API_TOKENS, server.adminToken(), null);
        assertThat(list.body()).contains(t.id(), "short-lived").doesNotContain(t.token());
        assertThat(call("DELETE", ApiPaths.API_TOKEN.replace("{id}", t.id()), server.adminToken(), null)
                        .statusCode())
                .isEqualTo(204);
        HttpResponse<String> after = call("GET", ApiPaths.JOBS, t.token(), null);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(after.body()).contains("API token was revoked");
        HttpResponse<String> bad = call(
                "POST",
                ApiPaths.API_TOKENS,
                server.adminToken(),
                Json.lenient().writeValueAsString(new ApiTokenView.CreateRequest("root", "1h", null)));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'root' is not a role");
        HttpResponse<String> forever = call(
                "POST",
                ApiPaths.API_TOKENS,
                server.adminToken(),
                Json.lenient().writeValueAsString(new ApiTokenView.CreateRequest("viewer", "3650d", null)));
        assertThat(forever.statusCode()).isEqualTo(400);
        assertThat(forever.body()).contains("at most 366d");
    }
}
