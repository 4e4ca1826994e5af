package dev.runway.e2e;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobList;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.protocol.RunnerList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A minimal test client of the user API (independent of the CLI's own client, so the two check each other). */
final class Api {
    record Response(int status, String body) {}

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String token;

    Api(String url, String token) {
        this.url = url;
        this.token = token;
    }

    String url() {
        return url;
    }

    Response call(String method, String path, String bearer, String contentType, byte[] body) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60));
            if (bearer != null) b.header("Authorization", "Bearer " + bearer);
            if (contentType != null) b.header("Content-Type", contentType);
            b.method(
                    method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response json(String method, String path, String bearer, Object body) {
        try {
            byte[] bytes = body == null ? null : Json.lenient().writeValueAsBytes(body);
            return call(method, path, bearer, "application/json", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> T read(Response r, int expectedStatus, Class<T> type) {
        boolean ok = expectedStatus == 0 ? r.status() / 100 == 2 : r.status() == expectedStatus;
        if (!ok) {
            throw new AssertionError("expected HTTP " + expectedStatus + " but got " + r.status() + ": " + r.body());
        }
        try {
            return Json.lenient().readValue(r.body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JobView submit(JobSpec spec) {
        return read(json("POST", ApiPaths.JOBS, token, spec), 201, JobView.class);
    }

    JobView job(String id) {
        return read(json("GET", ApiPaths.withId(ApiPaths.JOB, id), token, null), 200, JobView.class);
    }

    JobList jobs() {
        return read(json("GET", ApiPaths.JOBS + "?limit=500", token, null), 200, JobList.class);
    }

    void cancel(String id) {
        Response r = json("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, id), token, null);
        if (r.status() / 100 != 2) throw new AssertionError("cancel: " + r.status() + " " + r.body());
    }

    String logs(String id) {
        Response r = call("GET", ApiPaths.withId(ApiPaths.JOB_LOGS, id) + "?offset=0", token, null, null);
        if (r.status() != 200) throw new AssertionError("logs: " + r.status() + " " + r.body());
        return r.body();
    }

    String registrationToken(int maxUses) {
        return read(
                        json("POST", ApiPaths.REGISTRATION_TOKENS, token, new RegistrationTokenRequest("1h", maxUses)),
                        0,
                        RegistrationTokenView.class)
                .token();
    }

    RunView startRun(RunRequest req) {
        return read(json("POST", ApiPaths.RUNS, token, req), 201, RunView.class);
    }

    RunView run(String id) {
        return read(json("GET", ApiPaths.withId(ApiPaths.RUN, id), token, null), 200, RunView.class);
    }

    RunView cancelRun(String id) {
        return read(json("POST", ApiPaths.withId(ApiPaths.RUN_CANCEL, id), token, null), 202, RunView.class);
    }

    RunnerList runners() {
        return read(json("GET", ApiPaths.RUNNERS, token, null), 200, RunnerList.class);
    }

    java.util.List<dev.runway.protocol.PoolView> pools() {
        return java.util.List.of(
                read(json("GET", ApiPaths.POOLS, token, null), 200, dev.runway.protocol.PoolView[].class));
    }

    dev.runway.protocol.PoolView pool(String name) {
        return pools().stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }
}
