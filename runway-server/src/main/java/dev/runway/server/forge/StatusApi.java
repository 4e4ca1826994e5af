package dev.runway.server.forge;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The commit status API of a forge: GitHub's ({@code POST /repos/{owner}/{repo}/statuses/{sha}} under
 * {@code https://api.github.com}, or a GitHub Enterprise Server's {@code /api/v3}) or Gitea's and Forgejo's, which
 * take the same call under {@code /api/v1} with a {@code token} authorization.
 */
public final class StatusApi {
    /** Which forge's conventions: the API's base path and how the token is presented. */
    public enum Flavour {
        GITHUB("Bearer "),
        GITEA("token ");

        final String scheme;

        Flavour(String scheme) {
            this.scheme = scheme;
        }
    }

    /** The forge answered with an error; {@code retry} if trying again later may work (5xx, 429, 408). */
    public static final class Refused extends IOException {
        final boolean retry;

        Refused(int status, String body) {
            super("HTTP " + status + ": " + (body.length() > 300 ? body.substring(0, 300) + "…" : body));
            this.retry = status >= 500 || status == 429 || status == 408;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final URI base;
    private final Flavour flavour;
    private final String token;
    private final HttpClient http;

    public StatusApi(URI base, Flavour flavour, String token) {
        this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
        this.flavour = flavour;
        this.token = token;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Posts one status; a {@link Refused} for an error answer, an IOException when the forge cannot be reached. */
    public void post(CommitStatus s) throws IOException, InterruptedException {
        int slash = s.repository().indexOf('/');
        String path = "repos/" + enc(s.repository().substring(0, slash)) + "/"
                + enc(s.repository().substring(slash + 1)) + "/statuses/" + enc(s.sha());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", s.state().wire());
        body.put("context", s.context());
        if (s.description() != null) body.put("description", s.description());
        if (s.targetUrl() != null) body.put("target_url", s.targetUrl());
        HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(path))
                .timeout(TIMEOUT)
                .header("Authorization", flavour.scheme + token)
                .header("Content-Type", "application/json")
                .header("User-Agent", "runway")
                .POST(HttpRequest.BodyPublishers.ofString(
                        dev.runway.protocol.Json.lenient().writeValueAsString(body)));
        if (flavour == Flavour.GITHUB)
            req.header("Accept", "application/vnd.github+json").header("X-GitHub-Api-Version", "2022-11-28");
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) throw new Refused(r.statusCode(), r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
