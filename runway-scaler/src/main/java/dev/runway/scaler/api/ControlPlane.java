package dev.runway.scaler.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.GitHubWorkflowJobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.PoolStatus;
import dev.runway.protocol.PoolView;
import dev.runway.protocol.QueueView;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunnerList;
import dev.runway.protocol.RunnerView;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The scaler's side of the control plane's HTTP API (it uses nothing else of the control plane). */
public final class ControlPlane {
    private static final ObjectMapper JSON = Json.lenient();

    private final String baseUrl;
    private final String token;
    private final HttpClient http;

    public ControlPlane(String baseUrl, String token) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.token = token;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public String url() {
        return baseUrl;
    }

    /** The queue by label set; with {@code since}, waits up to {@code wait} for it to differ from that version. */
    public QueueView queue(String since, Duration wait) throws IOException {
        String q = since == null
                ? ""
                : "?since=" + URLEncoder.encode(since, StandardCharsets.UTF_8) + "&wait=" + wait.toSeconds();
        return send("GET", ApiPaths.QUEUE + q, null, wait.plusSeconds(30), new TypeReference<>() {});
    }

    public List<RunnerView> runners() throws IOException {
        return send("GET", ApiPaths.RUNNERS, null, Duration.ofSeconds(30), new TypeReference<RunnerList>() {})
                .runners();
    }

    public List<PoolView> pools() throws IOException {
        // the decisions only (drain, canary): the 24-hour figures are for people
        return send("GET", ApiPaths.POOLS + "?stats=false", null, Duration.ofSeconds(30), new TypeReference<>() {});
    }

    /** A single-use registration token for one instance of a pool. */
    public String registrationToken(String pool, String instance, String variant, Duration ttl) throws IOException {
        RegistrationTokenView v = send(
                "POST",
                ApiPaths.REGISTRATION_TOKENS,
                new RegistrationTokenRequest(ttl.toSeconds() + "s", 1, pool, instance, variant),
                Duration.ofSeconds(30),
                new TypeReference<>() {});
        return v.token();
    }

    public enum Retire {
        RETIRED,
        BUSY,
        GONE
    }

    /** Removes an idle runner so it takes no more jobs; BUSY if it is running (or just claimed) a job. */
    public Retire retire(String runnerId) throws IOException {
        try {
            send(
                    "DELETE",
                    ApiPaths.withId(ApiPaths.RUNNER, runnerId) + "?ifIdle=true",
                    null,
                    Duration.ofSeconds(30),
                    null);
            return Retire.RETIRED;
        } catch (ApiCallException e) {
            if (e.status() == 409) return Retire.BUSY;
            if (e.status() == 404) return Retire.GONE;
            throw e;
        }
    }

    /** Removes a runner whatever it is doing (its instance is gone). */
    public void deleteRunner(String runnerId) throws IOException {
        try {
            send("DELETE", ApiPaths.withId(ApiPaths.RUNNER, runnerId), null, Duration.ofSeconds(30), null);
        } catch (ApiCallException e) {
            if (e.status() != 404) throw e;
        }
    }

    /**
     * GitHub's workflow_job events the control plane recorded at or after {@code sinceMs} (epoch ms), oldest first,
     * at most {@code limit} (1–1000).
     */
    public List<GitHubWorkflowJobView> workflowJobs(long sinceMs, int limit) throws IOException {
        return send(
                        "GET",
                        ApiPaths.GITHUB_WORKFLOW_JOBS + "?since=" + sinceMs + "&limit=" + limit,
                        null,
                        Duration.ofSeconds(30),
                        new TypeReference<GitHubWorkflowJobView.Events>() {})
                .events();
    }

    public void report(String pool, PoolStatus status) throws IOException {
        send("PUT", ApiPaths.withId(ApiPaths.POOL, pool), status, Duration.ofSeconds(30), null);
    }

    /** An answer other than 2xx: the status and the control plane's message. */
    public static final class ApiCallException extends IOException {
        private final int status;

        ApiCallException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private <T> T send(String method, String path, Object body, Duration timeout, TypeReference<T> type)
            throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() / 100 != 2) {
            String message;
            try {
                message = JSON.readValue(r.body(), ApiError.class).message();
            } catch (IOException e) {
                message = new String(r.body(), StandardCharsets.UTF_8);
            }
            throw new ApiCallException(r.statusCode(), method + " " + path + ": " + r.statusCode() + " " + message);
        }
        if (type == null || r.body().length == 0) return null;
        return JSON.readValue(r.body(), type);
    }
}
