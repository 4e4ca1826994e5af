package dev.runway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The user API as the CLI calls it. Every failure becomes a {@link CliException} with a message for people. */
final class ApiClient {
    record Response(int status, byte[] body, HttpResponse<byte[]> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String url;
    private final String token;

    ApiClient(String url, String token) {
        this.url = url.replaceAll("/+$", "");
        this.token = token;
    }

    <T> T get(String path, Class<T> type) {
        return read(send("GET", path, null, Duration.ofSeconds(30)), type);
    }

    <T> T post(String path, Object body, Class<T> type) {
        return read(send("POST", path, body, Duration.ofSeconds(30)), type);
    }

    void delete(String path) {
        send("DELETE", path, null, Duration.ofSeconds(30));
    }

    Response send(String method, String path, Object body, Duration timeout) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(url + path)).timeout(timeout);
            if (token != null) b.header("Authorization", "Bearer " + token);
            if (body != null) b.header("Content-Type", "application/json");
            b.method(
                    method,
                    body == null
                            ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(
                                    Json.lenient().writeValueAsBytes(body)));
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() / 100 != 2) throw new CliException(errorMessage(r));
            return new Response(r.statusCode(), r.body(), r);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("cannot reach the control plane at " + url + " (is `runway server` running?)");
        } catch (IOException e) {
            throw new CliException("request to " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } catch (IllegalArgumentException e) {
            throw new CliException("invalid control plane URL '" + url + "': " + e.getMessage());
        }
    }

    /** GETs {@code path} into the file {@code to} (streamed; for artifacts). */
    void download(String path, Path to) {
        try {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMinutes(30));
            if (token != null) b.header("Authorization", "Bearer " + token);
            Path part = to.resolveSibling(to.getFileName() + ".part");
            HttpResponse<Path> r = http.send(b.GET().build(), HttpResponse.BodyHandlers.ofFile(part));
            if (r.statusCode() / 100 != 2) {
                byte[] body = Files.readAllBytes(part);
                Files.deleteIfExists(part);
                String text = new String(body, StandardCharsets.UTF_8);
                String message = "the control plane answered HTTP " + r.statusCode();
                try {
                    JsonNode n = Json.lenient().readTree(text);
                    if (n != null && n.hasNonNull("message"))
                        message = n.get("message").asText();
                } catch (IOException ignored) {
                    // not an ApiError: keep the status
                }
                throw new CliException(message);
            }
            Files.move(part, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("cannot reach the control plane at " + url + " (is `runway server` running?)");
        } catch (IOException e) {
            throw new CliException("download from " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static String errorMessage(HttpResponse<byte[]> r) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        try {
            JsonNode n = Json.lenient().readTree(body);
            if (n != null && n.hasNonNull("message")) return n.get("message").asText();
        } catch (IOException ignored) {
            // not an ApiError: show the status
        }
        return "the control plane answered HTTP " + r.statusCode() + (body.isBlank() ? "" : ": " + body.strip());
    }

    private static <T> T read(Response r, Class<T> type) {
        try {
            return Json.lenient().readValue(r.body(), type);
        } catch (IOException e) {
            throw new CliException("unexpected answer from the control plane: " + e.getMessage());
        }
    }

    String url() {
        return url;
    }
}
