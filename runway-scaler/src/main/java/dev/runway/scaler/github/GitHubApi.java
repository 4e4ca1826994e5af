package dev.runway.scaler.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.Json;
import dev.runway.scaler.config.PoolConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few calls of GitHub's REST API ("self-hosted runners") a GitHub pool needs, for one repository or organisation:
 * a just-in-time configuration for a new runner, the list of runners, and deleting one. The token is read from its
 * file on every call, so a tool that refreshes it (a GitHub App installation token lasts an hour) needs no restart.
 *
 * <p>Errors name the call, where, GitHub's status and its {@code message}, and what to check; rate limiting (403
 * with no remaining quota, a secondary limit, or 429) is said as such, with when to retry.
 */
public final class GitHubApi {
    private static final ObjectMapper JSON = Json.lenient();
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"next\"");
    static final int PER_PAGE = 100;
    /** 100 pages of 100: far more runners than one pool has; a bound so a broken Link header cannot loop. */
    static final int MAX_PAGES = 100;

    /** A self-hosted runner as GitHub lists it. {@code status}: {@code online} or {@code offline}. */
    public record Runner(long id, String name, String status, boolean busy, List<String> labels) {
        public boolean online() {
            return "online".equals(status);
        }
    }

    /** GitHub's answer to generate-jitconfig: the runner it registered and its single-use configuration. */
    public record JitConfig(long runnerId, String runnerName, String encodedJitConfig) {
        @Override
        public String toString() {
            // the configuration holds the runner's credentials: never in a log line
            return "JitConfig[runnerId=" + runnerId + ", runnerName=" + runnerName + "]";
        }
    }

    /** GitHub answered other than 2xx, or could not be reached. */
    public static final class GitHubException extends IOException {
        private final int status;
        private final boolean rateLimited;

        GitHubException(int status, boolean rateLimited, String message) {
            super(message);
            this.status = status;
            this.rateLimited = rateLimited;
        }

        /** The HTTP status; 0 when GitHub was not reached. */
        public int status() {
            return status;
        }

        public boolean rateLimited() {
            return rateLimited;
        }
    }

    private final String apiUrl;
    private final String scope;
    private final String where;
    private final Path tokenFile;
    private final HttpClient http;

    public GitHubApi(PoolConfig.GitHub g) {
        this(g.apiUrl(), g.repository(), g.organization(), g.tokenFile() == null ? null : Path.of(g.tokenFile()));
    }

    /** Exactly one of {@code repository} ({@code owner/name}) and {@code organization}. */
    public GitHubApi(String apiUrl, String repository, String organization, Path tokenFile) {
        if ((repository == null) == (organization == null))
            throw new IllegalArgumentException("give exactly one of repository or organization");
        this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl").replaceAll("/+$", "");
        this.scope = repository != null
                ? "/repos/" + repository
                : "/orgs/" + URLEncoder.encode(organization, StandardCharsets.UTF_8);
        this.where = repository != null ? "repository " + repository : "organization " + organization;
        this.tokenFile = tokenFile;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** {@code repository owner/name} or {@code organization name}, for messages. */
    public String where() {
        return where;
    }

    /**
     * {@code POST …/actions/runners/generate-jitconfig}: registers runner {@code name} in group {@code
     * runnerGroupId} with {@code labels}, and returns the configuration its {@code run.sh --jitconfig} needs. A name
     * GitHub already has answers 409 (see {@link GitHubException#status()}).
     */
    public JitConfig generateJitConfig(String name, long runnerGroupId, List<String> labels, String workFolder)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name);
        body.put("runner_group_id", runnerGroupId);
        labels.forEach(body.putArray("labels")::add);
        body.put("work_folder", workFolder);
        String path = scope + "/actions/runners/generate-jitconfig";
        HttpResponse<byte[]> r = send("generate-jitconfig", "POST", URI.create(apiUrl + path), body);
        JsonNode answer = parse("generate-jitconfig", r);
        String config = answer.path("encoded_jit_config").asText(null);
        if (config == null || config.isBlank())
            throw new GitHubException(
                    r.statusCode(), false, call("generate-jitconfig") + ": the answer has no encoded_jit_config");
        JsonNode runner = answer.path("runner");
        return new JitConfig(runner.path("id").asLong(), runner.path("name").asText(name), config);
    }

    /** {@code GET …/actions/runners}, every page (100 a page, following GitHub's {@code Link: rel="next"}). */
    public List<Runner> runners() throws IOException {
        return runners(null);
    }

    /** The runners named {@code name} (GitHub's {@code name} filter); all of them when null. */
    public List<Runner> runners(String name) throws IOException {
        URI next = URI.create(apiUrl + scope + "/actions/runners?per_page=" + PER_PAGE
                + (name == null ? "" : "&name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)));
        List<Runner> out = new ArrayList<>();
        for (int page = 0; next != null; page++) {
            if (page == MAX_PAGES)
                throw new GitHubException(0, false, call("list runners") + ": more than " + MAX_PAGES + " pages");
            HttpResponse<byte[]> r = send("list runners", "GET", next, null);
            for (JsonNode n : parse("list runners", r).path("runners")) {
                List<String> labels = new ArrayList<>();
                n.path("labels").forEach(l -> labels.add(l.path("name").asText()));
                out.add(new Runner(
                        n.path("id").asLong(),
                        n.path("name").asText(),
                        n.path("status").asText(),
                        n.path("busy").asBoolean(),
                        labels));
            }
            next = nextPage(r);
        }
        return out;
    }

    /**
     * {@code DELETE …/actions/runners/{id}}. True when deleted, false when GitHub no longer had it (a just-in-time
     * runner is deleted by GitHub after its job). A runner running a job answers 422.
     */
    public boolean deleteRunner(long id) throws IOException {
        try {
            send("delete runner " + id, "DELETE", URI.create(apiUrl + scope + "/actions/runners/" + id), null);
            return true;
        } catch (GitHubException e) {
            if (e.status() == 404) return false;
            throw e;
        }
    }

    private URI nextPage(HttpResponse<byte[]> r) throws GitHubException {
        String link = r.headers().firstValue("Link").orElse(null);
        if (link == null) return null;
        Matcher m = NEXT.matcher(link);
        if (!m.find()) return null;
        URI next = URI.create(m.group(1));
        URI base = URI.create(apiUrl);
        // the token goes with the request: follow only links to the API it was configured for
        if (!Objects.equals(next.getScheme(), base.getScheme())
                || !Objects.equals(next.getHost(), base.getHost())
                || next.getPort() != base.getPort())
            throw new GitHubException(
                    0, false, call("list runners") + ": the next page is on another host (" + next.getHost() + ")");
        return next;
    }

    private String call(String what) {
        return "GitHub " + what + " for " + where;
    }

    private String token() throws GitHubException {
        if (tokenFile == null) throw new GitHubException(0, false, "github.token-file: not set");
        String t;
        try {
            t = Files.readString(tokenFile).strip();
        } catch (NoSuchFileException e) {
            throw new GitHubException(0, false, "github.token-file " + tokenFile + ": no such file");
        } catch (IOException e) {
            throw new GitHubException(0, false, "github.token-file " + tokenFile + ": cannot read: " + e.getMessage());
        }
        if (t.isEmpty()) throw new GitHubException(0, false, "github.token-file " + tokenFile + ": the file is empty");
        return t;
    }

    private HttpResponse<byte[]> send(String what, String method, URI uri, JsonNode body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token())
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "runway-scaler");
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
            throw new GitHubException(0, false, call(what) + ": interrupted");
        } catch (IOException e) {
            throw new GitHubException(0, false, call(what) + ": cannot reach " + apiUrl + " (" + describe(e) + ")");
        }
        if (r.statusCode() / 100 != 2) throw failure(what, r);
        return r;
    }

    private GitHubException failure(String what, HttpResponse<byte[]> r) {
        int status = r.statusCode();
        String message = message(r.body());
        String remaining = r.headers().firstValue("x-ratelimit-remaining").orElse(null);
        String retryAfter = r.headers().firstValue("retry-after").orElse(null);
        boolean limited = status == 429
                || (status == 403
                        && ("0".equals(remaining)
                                || retryAfter != null
                                || message.toLowerCase(Locale.ROOT).contains("rate limit")));
        if (limited) {
            String when;
            if (retryAfter != null) {
                when = "retry after " + retryAfter + "s";
            } else {
                String reset = r.headers().firstValue("x-ratelimit-reset").orElse(null);
                when = reset != null && reset.matches("\\d+")
                        ? "the limit resets at " + Instant.ofEpochSecond(Long.parseLong(reset))
                        : "retry later";
            }
            return new GitHubException(
                    status,
                    true,
                    "GitHub rate limit reached (" + what + " for " + where + ", " + status + " " + message + "); "
                            + when);
        }
        String hint = switch (status) {
            case 401 -> "; check the token in github.token-file (" + tokenFile + ")";
            case 403 ->
                "; the token needs the right to administer self-hosted runners of the " + where
                        + " (a fine-grained token: Administration write for a repository, Self-hosted"
                        + " runners write for an organization)";
            case 404 ->
                "; check github." + (where.startsWith("repository") ? "repository" : "organization")
                        + ", github.api-url, and that the token can see it";
            default -> "";
        };
        return new GitHubException(status, false, call(what) + ": " + status + " " + message + hint);
    }

    /** GitHub's {@code message} (and the first of its {@code errors}), or the body's start if it is not JSON. */
    private static String message(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.isObject() && n.hasNonNull("message")) {
                String m = n.get("message").asText();
                JsonNode errors = n.path("errors");
                if (errors.isArray() && !errors.isEmpty()) {
                    JsonNode first = errors.get(0);
                    m += " ("
                            + (first.isTextual()
                                    ? first.asText()
                                    : first.path("message").asText(first.toString())) + ")";
                }
                return m;
            }
        } catch (IOException e) {
            // not JSON: say what came
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) return "(no message)";
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private JsonNode parse(String what, HttpResponse<byte[]> r) throws GitHubException {
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n == null || !n.isObject()) throw new IOException("not a JSON object");
            return n;
        } catch (IOException e) {
            throw new GitHubException(
                    r.statusCode(), false, call(what) + ": the answer is not JSON: " + e.getMessage());
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
