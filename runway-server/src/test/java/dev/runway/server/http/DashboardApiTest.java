package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.assertError;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobList;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the dashboard needs from the control plane: its static files, the live log as server-sent events, jobs by runner. */
class DashboardApiTest {
    @TempDir
    static Path dir;

    static RunwayServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = HttpApiTest.startTestServer(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpApiTest.Answer call(String method, String path, String token, String body) throws Exception {
        return HttpApiTest.call(server, method, path, token, body);
    }

    static String json(Object o) throws IOException {
        return Json.lenient().writeValueAsString(o);
    }

    record Claimed(RegisterResponse runner, JobView job, Assignment assignment) {}

    /** A runner with its own label, a job for it, claimed by it. */
    static Claimed claimedJob(String name) throws Exception {
        String admin = server.adminToken();
        String reg = call("POST", ApiPaths.REGISTRATION_TOKENS, admin, json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        RegisterResponse r = call(
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new RegisterRequest(reg, name, List.of(name), 1, "test")))
                .as(RegisterResponse.class);
        JobView job = call(
                        "POST",
                        ApiPaths.JOBS,
                        admin,
                        json(new JobSpec(name, List.of(name), null, List.of(StepSpec.of("s", "true")), null, null)))
                .as(JobView.class);
        Assignment a = call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)))
                .as(Assignment.class);
        assertThat(a.jobId()).isEqualTo(job.id());
        return new Claimed(r, job, a);
    }

    static void append(Claimed c, long offset, String text) throws Exception {
        assertThat(call(
                                "POST",
                                ApiPaths.withId(
                                                ApiPaths.RUNNER_JOB_LOGS,
                                                c.job().id()) + "?offset=" + offset,
                                c.assignment().jobToken(),
                                text)
                        .status())
                .isEqualTo(200);
    }

    static void complete(Claimed c) throws Exception {
        assertThat(call(
                                "POST",
                                ApiPaths.withId(
                                        ApiPaths.RUNNER_JOB_COMPLETE, c.job().id()),
                                c.assignment().jobToken(),
                                "{\"result\":\"succeeded\",\"steps\":[]}")
                        .status())
                .isEqualTo(200);
    }

    /** The SSE stream of a job's log, read frame by frame. */
    static final class Events {
        final HttpResponse<Stream<String>> response;
        final Iterator<String> lines;

        Events(String jobId, String lastEventId) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(
                            URI.create(server.url() + ApiPaths.withId(ApiPaths.JOB_LOG_EVENTS, jobId)))
                    .header("Authorization", "Bearer " + server.adminToken())
                    .header("Accept", "text/event-stream");
            if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
            lines = response.body().iterator();
        }

        /** The next event's fields (event, data joined by newlines, id); comments skipped; null at the end. */
        Map<String, String> next() {
            String event = "message", id = null;
            List<String> data = new ArrayList<>();
            boolean any = false;
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.isEmpty()) {
                    if (any)
                        return id == null
                                ? Map.of("event", event, "data", String.join("\n", data))
                                : Map.of("event", event, "data", String.join("\n", data), "id", id);
                    continue;
                }
                if (line.startsWith(":")) continue;
                any = true;
                String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
                String value = line.contains(":")
                        ? line.substring(line.indexOf(':') + 1).replaceFirst("^ ", "")
                        : "";
                switch (field) {
                    case "event" -> event = value;
                    case "data" -> data.add(value);
                    case "id" -> id = value;
                    default -> {}
                }
            }
            return null;
        }
    }

    @Test
    @Timeout(30)
    void theLogStreamsAsServerSentEventsUntilTheJobEndsAndResumesFromLastEventId() throws Exception {
        Claimed c = claimedJob("sse-follow");
        append(c, 0, "one\ntwo\npart");

        Events events = new Events(c.job().id(), null);
        assertThat(events.response.statusCode()).isEqualTo(200);
        assertThat(events.response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        // whole lines only: "part" waits for its end
        assertThat(events.next()).isEqualTo(Map.of("event", "log", "data", "one\ntwo", "id", "8"));

        append(c, 12, "ial\nthree\n");
        assertThat(events.next()).isEqualTo(Map.of("event", "log", "data", "partial\nthree", "id", "22"));

        complete(c);
        Map<String, String> end = events.next();
        assertThat(end).containsEntry("event", "end").containsEntry("id", "22");
        assertThat(end.get("data")).contains("\"state\":\"succeeded\"");
        assertThat(events.next())
                .as("the server closes the stream after the end")
                .isNull();

        // a reconnect resumes after the last event it saw; for a finished job it ends at once
        Events resumed = new Events(c.job().id(), "8");
        assertThat(resumed.next()).isEqualTo(Map.of("event", "log", "data", "partial\nthree", "id", "22"));
        assertThat(resumed.next()).containsEntry("event", "end");
        assertThat(resumed.next()).isNull();
    }

    @Test
    void theLogStreamChecksTheTokenTheJobAndTheAcceptHeaderFirst() throws Exception {
        String path = ApiPaths.withId(ApiPaths.JOB_LOG_EVENTS, "nope");
        assertError(call("GET", path, null, null), 401, "unauthorized", "Authorization");
        assertError(call("GET", path, server.adminToken(), null), 404, "not_found", "nope");
        Claimed c = claimedJob("sse-accept");
        assertError(
                call("GET", ApiPaths.withId(ApiPaths.JOB_LOG_EVENTS, c.job().id()), server.adminToken(), null),
                406,
                "not_acceptable",
                "text/event-stream");
    }

    @Test
    void jobsCanBeListedByTheRunnerThatRanThem() throws Exception {
        Claimed mine = claimedJob("history-a");
        Claimed other = claimedJob("history-b");
        JobList list = call("GET", ApiPaths.JOBS + "?runner=" + mine.runner().runnerId(), server.adminToken(), null)
                .as(JobList.class);
        assertThat(list.jobs())
                .extracting(JobView::id)
                .containsExactly(mine.job().id());
        assertThat(list.jobs())
                .extracting(JobView::id)
                .doesNotContain(other.job().id());
        JobList none = call("GET", ApiPaths.JOBS + "?runner=unknown&state=running", server.adminToken(), null)
                .as(JobList.class);
        assertThat(none.jobs()).isEmpty();
    }

    @Test
    void theDashboardIsServedWithoutATokenUnderAStrictContentSecurityPolicy() throws Exception {
        for (String path : List.of("/", "/dashboard/app.js", "/dashboard/style.css")) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(server.url() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Security-Policy"))
                    .as(path)
                    .hasValueSatisfying(csp -> assertThat(csp)
                            .contains("script-src 'self'")
                            .contains("default-src 'none'")
                            .doesNotContain("unsafe-inline"));
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        }
        HttpResponse<String> index = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(index.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(index.body()).contains("/dashboard/app.js").doesNotContain("<script>");
        for (String bad : List.of("/dashboard/missing.js", "/dashboard/..%2Fapp.js", "/dashboard/.hidden.js")) {
            assertThat(http.send(
                                    HttpRequest.newBuilder(URI.create(server.url() + bad))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .as(bad)
                    .isEqualTo(404);
        }
    }

    static void git(Path repo, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.email=t@runway.dev", "-c", "user.name=t"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Test
    void theWorkflowsOfARepositoryAreListedWithTheInputsTheirDispatchDeclares() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("dispatch-repo"));
        Path wf = Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(wf.resolve("release.yml"), """
                name: release
                on:
                  push:
                  workflow_dispatch:
                    inputs:
                      target:
                        description: where
                        type: choice
                        required: true
                        options: [staging, production]
                        default: staging
                      dry_run:
                        type: boolean
                        default: true
                      note:
                        required: true
                jobs:
                  r:
                    runs-on: linux
                    steps:
                      - run: echo hi
                """);
        Files.writeString(wf.resolve("ci.yaml"), """
                on: push
                jobs:
                  t:
                    runs-on: linux
                    steps:
                      - run: echo ci
                """);
        Files.writeString(wf.resolve("broken.yml"), "on: push\njobs: [\n");
        Files.writeString(wf.resolve("README.md"), "not a workflow");
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", "-A");
        git(repo, "commit", "-q", "-m", "workflows");

        HttpApiTest.Answer a = call(
                "GET",
                WorkflowRoutes.WORKFLOWS + "?repo=" + URLEncoder.encode(repo.toString(), UTF_8) + "&ref=main",
                server.adminToken(),
                null);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        WorkflowRoutes.WorkflowList list = a.as(WorkflowRoutes.WorkflowList.class);
        assertThat(list.ref()).isEqualTo("refs/heads/main");
        assertThat(list.sha()).hasSize(40);
        Map<String, WorkflowRoutes.WorkflowFile> byPath = new java.util.HashMap<>();
        list.workflows().forEach(w -> byPath.put(w.path(), w));
        assertThat(byPath)
                .containsOnlyKeys(
                        ".github/workflows/release.yml", ".github/workflows/ci.yaml", ".github/workflows/broken.yml");
        WorkflowRoutes.WorkflowFile release = byPath.get(".github/workflows/release.yml");
        assertThat(release.name()).isEqualTo("release");
        assertThat(release.dispatch()).isTrue();
        assertThat(release.error()).isNull();
        assertThat(release.inputs())
                .containsExactly(
                        new WorkflowRoutes.Input(
                                "target", "choice", "where", true, "staging", List.of("staging", "production")),
                        new WorkflowRoutes.Input("dry_run", "boolean", null, false, "true", List.of()),
                        new WorkflowRoutes.Input("note", "string", null, true, null, List.of()));
        WorkflowRoutes.WorkflowFile ci = byPath.get(".github/workflows/ci.yaml");
        assertThat(ci.dispatch()).isFalse();
        assertThat(ci.inputs()).isEmpty();
        WorkflowRoutes.WorkflowFile broken = byPath.get(".github/workflows/broken.yml");
        assertThat(broken.dispatch()).isFalse();
        assertThat(broken.error()).contains("broken.yml");

        HttpApiTest.Answer badRef = call(
                "GET",
                WorkflowRoutes.WORKFLOWS + "?repo=" + URLEncoder.encode(repo.toString(), UTF_8) + "&ref=nope",
                server.adminToken(),
                null);
        assertThat(badRef.status()).isEqualTo(400);
        assertThat(badRef.body()).contains("'nope' is not a branch, tag or commit");
        HttpApiTest.Answer noRepo = call("GET", WorkflowRoutes.WORKFLOWS, server.adminToken(), null);
        assertThat(noRepo.status()).isEqualTo(400);
        assertThat(noRepo.body()).contains("repo: required");
    }
}
