package dev.runway.bench;

import dev.runway.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small protocol client for the load generator (no Runway client code, so it measures only the server). */
final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor())
            .build();

    record Answer(int status, byte[] body) {
        <T> T as(Class<T> t) {
            try {
                return Json.lenient().readValue(body, t);
            } catch (IOException e) {
                throw new IllegalStateException("HTTP " + status + ": " + new String(body), e);
            }
        }
    }

    static Answer send(String url, String method, String path, String token, Object json, byte[] raw) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(90));
            if (token != null) b.header("Authorization", "Bearer " + token);
            byte[] body =
                    raw != null ? raw : json == null ? null : Json.lenient().writeValueAsBytes(json);
            b.method(
                    method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() >= 400)
                throw new IllegalStateException(
                        method + " " + path + " -> " + r.statusCode() + " " + new String(r.body()));
            return new Answer(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Http() {}
}
