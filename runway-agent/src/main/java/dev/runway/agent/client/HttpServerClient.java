package dev.runway.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ArtifactList;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.Json;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.ProtocolVersion;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@link ServerClient} over HTTP with the JDK client. */
public final class HttpServerClient implements ServerClient {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** Short: a heartbeat stuck on a stalled connection must not hold back the next one while the lease runs down. */
    private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

    private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

    /** Status and body of an answer, whichever body handler read it. */
    private record ByteResponse(int statusCode, byte[] body) {}

    private final HttpClient http;
    private final String base;

    public HttpServerClient(URI serverUrl) {
        this.base = serverUrl.toString().replaceAll("/+$", "");
        HttpClient.Builder b =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1);
        if ("http".equalsIgnoreCase(serverUrl.getScheme())) b.sslContext(plainHttpOnly());
        this.http = b.build();
    }

    /**
     * The TLS context of a client for a plain-HTTP URL. The JDK's client builds the default context (reading the
     * trust store: some 60 ms of an agent's start to ready) even when it never speaks TLS; this one has no trust
     * material, so it trusts no certificate: should the client ever be sent to an https URL, the handshake fails.
     */
    static javax.net.ssl.SSLContext plainHttpOnly() {
        try {
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
            c.init(new javax.net.ssl.KeyManager[0], new javax.net.ssl.TrustManager[0], null);
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("no TLS implementation in this Java runtime", e);
        }
    }

    @Override
    public RegisterResponse register(RegisterRequest request) throws IOException, InterruptedException {
        return read(send(json(ApiPaths.RUNNERS_REGISTER, null, request), CALL_TIMEOUT), RegisterResponse.class);
    }

    @Override
    public Optional<Assignment> poll(String credential, int waitSeconds) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = send(
                json(ApiPaths.RUNNER_JOBS_NEXT, credential, new PollRequest(waitSeconds)),
                Duration.ofSeconds(waitSeconds + 30L));
        if (r.statusCode() == 204) return Optional.empty();
        return Optional.of(read(r, Assignment.class));
    }

    @Override
    public HeartbeatResponse heartbeat(String jobId, String jobToken) throws IOException, InterruptedException {
        return read(
                send(json(ApiPaths.withId(ApiPaths.RUNNER_JOB_HEARTBEAT, jobId), jobToken, null), HEARTBEAT_TIMEOUT),
                HeartbeatResponse.class);
    }

    @Override
    public LeaseRenewal.Answer renewLeases(String credential, LeaseRenewal request)
            throws IOException, InterruptedException {
        return read(
                send(json(ApiPaths.RUNNER_LEASES, credential, request), HEARTBEAT_TIMEOUT), LeaseRenewal.Answer.class);
    }

    @Override
    public LogBatch.Answer appendLogs(String credential, LogBatch batch) throws IOException, InterruptedException {
        return read(send(json(ApiPaths.RUNNER_LOGS, credential, batch), CALL_TIMEOUT), LogBatch.Answer.class);
    }

    @Override
    public LogAppendResponse appendLog(String jobId, String jobToken, long offset, byte[] chunk)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(
                        ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, jobId) + "?offset=" + offset, jobToken)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(chunk));
        return read(send(b, CALL_TIMEOUT), LogAppendResponse.class);
    }

    @Override
    public void complete(String jobId, String jobToken, CompleteRequest request)
            throws IOException, InterruptedException {
        check(send(json(ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, jobId), jobToken, request), CALL_TIMEOUT));
    }

    @Override
    public void release(String credential) throws IOException, InterruptedException {
        check(send(json(ApiPaths.RUNNER_RELEASE, credential, null), Duration.ofSeconds(5)));
    }

    @Override
    public dev.runway.protocol.RegisterResponse.Rotated rotateCredential(String credential)
            throws IOException, InterruptedException {
        return read(
                send(json(ApiPaths.RUNNER_CREDENTIAL, credential, null), CALL_TIMEOUT),
                dev.runway.protocol.RegisterResponse.Rotated.class);
    }

    @Override
    public void health(String credential, dev.runway.protocol.RunnerHealth health)
            throws IOException, InterruptedException {
        check(send(json(ApiPaths.RUNNER_HEALTH, credential, health), CALL_TIMEOUT));
    }

    @Override
    public void deregister(String credential) throws IOException, InterruptedException {
        check(send(request(ApiPaths.RUNNER_SELF, credential).DELETE(), CALL_TIMEOUT));
    }

    @Override
    public ArtifactView uploadArtifact(String jobId, String jobToken, String name, Path zip)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(ApiPaths.withIdAndName(ApiPaths.RUNNER_JOB_ARTIFACT, jobId, name), jobToken)
                .header("Content-Type", "application/zip")
                .PUT(HttpRequest.BodyPublishers.ofFile(zip));
        return read(send(b, TRANSFER_TIMEOUT), ArtifactView.class);
    }

    @Override
    public List<ArtifactView> artifacts(String jobId, String jobToken) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(ApiPaths.withId(ApiPaths.RUNNER_JOB_ARTIFACTS, jobId), jobToken)
                .GET();
        return read(send(b, CALL_TIMEOUT), ArtifactList.class).artifacts();
    }

    @Override
    public Optional<CacheEntry> cacheLookup(
            String jobId, String jobToken, String key, List<String> restoreKeys, String version)
            throws IOException, InterruptedException {
        StringBuilder q =
                new StringBuilder("?key=").append(enc(key)).append("&version=").append(enc(version));
        for (String r : restoreKeys) q.append("&restore=").append(enc(r));
        HttpRequest.Builder b = request(ApiPaths.withId(ApiPaths.RUNNER_JOB_CACHE, jobId) + q, jobToken)
                .GET();
        HttpResponse<byte[]> r = send(b, CALL_TIMEOUT);
        if (r.statusCode() == 204) return Optional.empty();
        return Optional.of(read(r, CacheEntry.class));
    }

    @Override
    public void cacheDownload(String jobId, String jobToken, String key, String version, Path to)
            throws IOException, InterruptedException {
        download(
                ApiPaths.withId(ApiPaths.RUNNER_JOB_CACHE_BLOB, jobId) + "?key=" + enc(key) + "&version="
                        + enc(version),
                jobToken,
                to);
    }

    @Override
    public CacheEntry cacheSave(String jobId, String jobToken, String key, String version, Path archive)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(
                        ApiPaths.withId(ApiPaths.RUNNER_JOB_CACHE, jobId) + "?key=" + enc(key) + "&version="
                                + enc(version),
                        jobToken)
                .header("Content-Type", "application/gzip")
                .PUT(HttpRequest.BodyPublishers.ofFile(archive));
        return read(send(b, TRANSFER_TIMEOUT), CacheEntry.class);
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void downloadArtifact(String jobId, String jobToken, String name, Path to)
            throws IOException, InterruptedException {
        download(ApiPaths.withIdAndName(ApiPaths.RUNNER_JOB_ARTIFACT, jobId, name), jobToken, to);
    }

    private void download(String path, String jobToken, Path to) throws IOException, InterruptedException {
        HttpRequest r = request(path, jobToken).GET().timeout(TRANSFER_TIMEOUT).build();
        HttpResponse<Path> resp = http.send(r, HttpResponse.BodyHandlers.ofFile(to));
        if (resp.statusCode() / 100 != 2) {
            byte[] body = Files.readAllBytes(to);
            Files.deleteIfExists(to);
            check(new ByteResponse(resp.statusCode(), body));
        }
    }

    private HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header(ProtocolVersion.HEADER, Integer.toString(ProtocolVersion.CURRENT));
        if (bearer != null) b.header("Authorization", "Bearer " + bearer);
        return b;
    }

    private HttpRequest.Builder json(String path, String bearer, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : Json.lenient().writeValueAsBytes(body);
        return request(path, bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b, Duration timeout)
            throws IOException, InterruptedException {
        return http.send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static <T> T read(HttpResponse<byte[]> r, Class<T> type) throws IOException {
        check(r);
        return Json.lenient().readValue(r.body(), type);
    }

    private static void check(HttpResponse<byte[]> r) {
        check(new ByteResponse(r.statusCode(), r.body()));
    }

    private static void check(ByteResponse r) {
        if (r.statusCode() / 100 == 2) return;
        String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
        String code = null;
        String message = body;
        try {
            JsonNode n = Json.lenient().readTree(body);
            if (n != null && n.hasNonNull("error")) code = n.get("error").asText();
            if (n != null && n.hasNonNull("message")) message = n.get("message").asText();
        } catch (IOException ignored) {
            // not JSON (a proxy's error page): keep the raw text
        }
        throw new ServerException(r.statusCode(), code, message, body);
    }
}
