package dev.runway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane configured with a real git repository starts a scheduled workflow's run when its slot comes, on
 * the clock the test moves, and the run shows in the API with its job queued.
 */
class ScheduledRunTest {
    @TempDir
    Path dir;

    RunwayServer server;
    Path repo;
    final HttpClient http = HttpClient.newHttpClient();
    final TestClock clock = new TestClock(Instant.parse("2026-03-02T03:58:10Z").toEpochMilli());

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void aScheduledWorkflowOnTheDefaultBranchStartsARunWhenItsSlotComes() throws Exception {
        repo = Files.createDirectories(dir.resolve("app"));
        git("init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/nightly.yml"), """
                on:
                  schedule:
                    - cron: '0 4 * * *'
                jobs:
                  nightly:
                    runs-on: linux
                    steps: [{run: make check}]
                """);
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                on: push
                jobs:
                  build: {runs-on: linux, steps: [{run: make}]}
                """);
        git("add", "-A");
        git("-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci");
        String head = git("rev-parse", "HEAD");
        server = RunwayServer.start(
                ServerConfig.defaults(dir.resolve("data"))
                        .withPort(0)
                        .withGitHub(new ServerConfig.GitHubWebhooks(
                                "0123456789abcdef0123", Map.of("acme/app", repo.toString()))),
                clock);

        assertThat(server.fireSchedulesNow()).as("03:58: not due").isZero();
        assertThat(runs()).isEmpty();
        clock.advance(Duration.ofMinutes(2)); // 04:00:10
        assertThat(server.fireSchedulesNow()).isEqualTo(1);
        assertThat(server.fireSchedulesNow()).as("the slot fired already").isZero();

        List<RunView> runs = runs();
        assertThat(runs).singleElement().satisfies(r -> {
            assertThat(r.workflow()).isEqualTo(".github/workflows/nightly.yml");
            assertThat(r.event()).isEqualTo("schedule");
            assertThat(r.ref()).isEqualTo("refs/heads/main");
            assertThat(r.sha()).isEqualTo(head);
        });
        RunView run = Json.lenient()
                .readValue(get(ApiPaths.RUNS + "/" + runs.getFirst().id()), RunView.class);
        assertThat(run.jobs())
                .singleElement()
                .satisfies(j -> assertThat(j.state()).isEqualTo(JobState.QUEUED));
    }

    List<RunView> runs() throws Exception {
        return Json.lenient().readValue(get(ApiPaths.RUNS), RunList.class).runs();
    }

    String get(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Authorization", "Bearer " + server.adminToken())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
