package dev.runway.server.forge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane reporting a workflow run's jobs to a fake of GitHub's status API on loopback: a run of a real
 * git repository whose origin is on GitHub, its jobs claimed and completed over the runner protocol.
 */
class CommitStatusesTest {
    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newHttpClient();

    static final String WORKFLOW = """
            name: CI
            on: push
            jobs:
              build: {runs-on: status-pool, steps: [{run: make}]}
              test: {runs-on: status-pool, needs: build, steps: [{run: make test}]}
            """;

    @Test
    void eachJobIsReportedPendingThenWithItsOutcomeOnTheRunsCommitWithALink() throws Exception {
        try (FakeForge forge = new FakeForge()) {
            Path repo = repo("https://github.com/acme/app.git");
            Path other = repo("git@github.com:someone/else.git");
            ServerConfig config = ServerConfig.builder(dir.resolve("data"))
                    .port(0)
                    .statuses(new ServerConfig.Statuses(
                            forge.base(""),
                            StatusApi.Flavour.GITHUB,
                            "ghp_statuses",
                            Set.of("acme/app"),
                            "https://ci.example.com/"))
                    .build();
            try (RunwayServer server = RunwayServer.start(config)) {
                RegisterResponse runner = register(server);
                RunView run = start(server, repo);
                RunView unreported = start(server, other);
                String sha = run.sha();
                assertThat(sha).hasSize(40);

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> forge.states("runway / CI / build").equals(List.of("pending")));
                assertThat(forge.calls.getFirst().body()).containsEntry("description", "queued");
                forge.answers.add(502); // the forge fails the next status: it is sent again, newest first
                String buildId = complete(server, runner, "succeeded");
                complete(server, runner, "succeeded"); // the other repository's build, queued before test
                String testId = complete(server, runner, "failed");
                complete(server, runner, "succeeded");

                await().atMost(Duration.ofSeconds(20))
                        .until(() -> forge.states("runway / CI / test").contains("failure"));
                assertThat(forge.states("runway / CI / build").getLast()).isEqualTo("success");
                assertThat(forge.states("runway / CI / test").getLast()).isEqualTo("failure");
                FakeForge.Call last = forge.calls.stream()
                        .filter(c -> c.context().equals("runway / CI / test"))
                        .reduce((a, b) -> b)
                        .orElseThrow();
                assertThat(last.method()).isEqualTo("POST");
                assertThat(last.path()).isEqualTo("/repos/acme/app/statuses/" + sha);
                assertThat(last.authorization()).isEqualTo("Bearer ghp_statuses");
                assertThat(last.apiVersion()).isEqualTo("2022-11-28");
                assertThat(last.body())
                        .containsEntry("target_url", "https://ci.example.com/#/debug/job/" + testId)
                        .containsEntry("description", "failed: make test reported failure");
                assertThat(forge.calls)
                        .as("only the configured repository is reported")
                        .allSatisfy(c -> assertThat(c.path()).startsWith("/repos/acme/app/statuses/"));
                assertThat(buildId).isNotEqualTo(testId);
                assertThat(unreported.id()).isNotEqualTo(run.id());
            }
        }
    }

    @Test
    void giteaAndForgejoTakeTheSameCallUnderTheirApiPathWithATokenAuthorization() throws Exception {
        try (FakeForge forge = new FakeForge()) {
            StatusApi gitea = new StatusApi(forge.base("/api/v1"), StatusApi.Flavour.GITEA, "gitea-token");
            gitea.post(new CommitStatus(
                    "team/service", "b".repeat(40), "runway / CI / build", CommitStatus.State.SUCCESS, "ok", null));
            assertThat(forge.calls).singleElement().satisfies(c -> {
                assertThat(c.path()).isEqualTo("/api/v1/repos/team/service/statuses/" + "b".repeat(40));
                assertThat(c.authorization()).isEqualTo("token gitea-token");
                assertThat(c.body()).containsEntry("state", "success").doesNotContainKey("target_url");
            });
        }
    }

    // ---- the control plane as the test drives it ----------------------------------------------------------

    private Path repo(String origin) throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo-" + Math.abs(origin.hashCode())));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "remote", "add", "origin", origin);
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci");
        return repo;
    }

    private static void git(Path repo, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private HttpResponse<String> call(RunwayServer s, String path, String token, Object body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.POST(HttpRequest.BodyPublishers.ofString(
                body instanceof String str ? str : Json.lenient().writeValueAsString(body)));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private RegisterResponse register(RunwayServer s) throws Exception {
        String token = Json.lenient()
                .readValue(
                        call(s, ApiPaths.REGISTRATION_TOKENS, s.adminToken(), new RegistrationTokenRequest("5m", 1))
                                .body(),
                        RegistrationTokenView.class)
                .token();
        return Json.lenient()
                .readValue(
                        call(
                                        s,
                                        ApiPaths.RUNNERS_REGISTER,
                                        null,
                                        new RegisterRequest(token, "r1", List.of("status-pool"), 1, "test"))
                                .body(),
                        RegisterResponse.class);
    }

    private RunView start(RunwayServer s, Path repo) throws Exception {
        HttpResponse<String> r = call(
                s,
                ApiPaths.RUNS,
                s.adminToken(),
                new RunRequest(repo.toString(), null, ".github/workflows/ci.yml", null, null, null, null, null, null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.lenient().readValue(r.body(), RunView.class);
    }

    /** Claims the next job and reports {@code result}; returns its id. */
    private String complete(RunwayServer s, RegisterResponse runner, String result) throws Exception {
        HttpResponse<String> next = call(s, ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), new PollRequest(10));
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        Assignment a = Json.lenient().readValue(next.body(), Assignment.class);
        String reason = result.equals("failed") ? ",\"reason\":\"failed: make test reported failure\"" : "";
        HttpResponse<String> done = call(
                s,
                ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, a.jobId()),
                a.jobToken(),
                "{\"result\":\"" + result + "\",\"steps\":[]" + reason + "}");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        return a.jobId();
    }
}
