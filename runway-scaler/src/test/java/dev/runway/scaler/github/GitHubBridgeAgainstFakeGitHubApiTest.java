package dev.runway.scaler.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.PoolView;
import dev.runway.scaler.Scaler;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.ProcessProvider;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub pools end to end, except GitHub itself (not reachable from here): a real control plane in-process receives
 * signed {@code workflow_job} webhooks built from GitHub's example payload ({@code @octokit/webhooks-examples}); a fake
 * of GitHub's self-hosted runner REST API ({@link FakeGitHubApi}, GitHub's documented shapes) hands out just-in-time
 * configurations; the process provider runs a fake {@code run.sh} that keeps the configuration it was given and runs
 * until stopped.
 */
class GitHubBridgeAgainstFakeGitHubApiTest {
    static final String SECRET = "a-webhook-secret-for-the-scaler-tests";
    static final String TOKEN = "ghs_fakeInstallationToken0123456789";
    static final List<String> JOB_LABELS = List.of("gpu", "db-app", "dc-03"); // the octokit example's labels
    static final long JOB = 2832853555L; // the octokit example's job id

    @TempDir
    Path dir;

    RunwayServer server;
    FakeGitHubApi github;
    ControlPlane api;
    ProcessProvider provider;
    final TestClock clock = new TestClock();
    ExecutorService work;
    final HttpClient http = HttpClient.newHttpClient();

    /** The system clock, moved forward by the test to pass timeouts without waiting for them. */
    static final class TestClock implements InstantSource {
        volatile Duration ahead = Duration.ZERO;

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
        }

        void advance(Duration d) {
            ahead = ahead.plus(d);
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = RunwayServer.start(ServerConfig.defaults(dir.resolve("control-plane"))
                .withPort(0)
                .withGitHub(new ServerConfig.GitHubWebhooks(SECRET, Map.of())));
        api = new ControlPlane(server.url(), server.adminToken());
        github = new FakeGitHubApi(TOKEN, "acme/web");
        Files.writeString(dir.resolve("github-token"), TOKEN + "\n");
        Path runSh = dir.resolve("actions-runner/run.sh");
        Files.createDirectories(runSh.getParent());
        // a stand-in for the actions runner's run.sh: keeps what it was given, then runs until stopped
        Files.writeString(runSh, """
                #!/bin/sh
                printf '%s' "$ACTIONS_RUNNER_INPUT_JITCONFIG" > jitconfig.txt
                printf '%s\\n' "$0" "$@" > args.txt
                trap 'exit 0' TERM
                sleep 600 &
                wait $!
                """);
        Files.setPosixFilePermissions(runSh, PosixFilePermissions.fromString("rwxr-xr-x"));
        provider = new ProcessProvider(dir.resolve("state"), "test-scaler", "gh");
        work = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() throws Exception {
        work.shutdownNow();
        for (Instance i : provider.list()) provider.remove(i.name());
        github.close();
        server.close();
    }

    // ---- starting

    @Test
    void aQueuedJobStartsOneJustInTimeRunnerAndRepeatsDoNotStartASecond() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(work);
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");

        Scaler.PoolPass first = bridge.reconcile(pool, provider, null);
        Scaler.PoolPass again = bridge.reconcile(pool, provider, null); // while the start may still be in flight
        assertThat(first.decision().start()).isEqualTo(1);
        assertThat(first.status().queued()).isEqualTo(1);
        assertThat(first.status().starting()).isEqualTo(1);
        assertThat(again.decision().start()).isZero();

        String name = "gh-" + JOB;
        Path instanceDir = dir.resolve("state/gh/" + name);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Files.exists(instanceDir.resolve("jitconfig.txt"))
                        && Files.size(instanceDir.resolve("jitconfig.txt")) > 0);
        assertThat(github.jitRequests()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/repos/acme/web/actions/runners/generate-jitconfig");
            assertThat(r.body().path("name").asText()).isEqualTo(name);
            assertThat(r.body().path("runner_group_id").asLong()).isEqualTo(7);
            assertThat(r.body().path("work_folder").asText()).isEqualTo("_work");
            assertThat(Json.lenient().convertValue(r.body().path("labels"), List.class))
                    .containsExactly("GPU", "db-app", "dc-03", "linux");
        });
        String config = FakeGitHubApi.jitConfigFor(name, github.runners.get(name).id);
        assertThat(Files.readString(instanceDir.resolve("jitconfig.txt"))).isEqualTo(config);
        // the configuration holds the runner's credentials: in its environment, never on its command line
        assertThat(Files.readString(instanceDir.resolve("args.txt")))
                .contains("actions-runner/run.sh")
                .doesNotContain(config);
        assertThat(provider.list()).extracting(Instance::name).containsExactly(name);

        // GitHub delivers again (same delivery id: a duplicate; a new id: a redelivery), passes repeat, the scaler
        // restarts: still one runner
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1-again");
        Scaler.PoolPass later = bridge.reconcile(pool, provider, null);
        Scaler.PoolPass restarted = bridge(work).reconcile(pool, provider, null);
        assertThat(later.decision().start()).isZero();
        assertThat(restarted.decision().start()).isZero();
        assertThat(restarted.status().queued()).isEqualTo(1);
        assertThat(restarted.status().starting()).isEqualTo(1);
        assertThat(github.jitRequests()).hasSize(1);
        assertThat(provider.list()).hasSize(1);
        // reported to the control plane like a runway pool
        PoolView view = api.pools().stream()
                .filter(v -> v.name().equals("gh"))
                .findFirst()
                .orElseThrow();
        assertThat(view.status().queued()).isEqualTo(1);
        assertThat(view.status().labels()).containsExactly("GPU", "db-app", "dc-03", "linux");
    }

    @Test
    void jobsWhoseLabelsOrRepositoryDoNotMatchStartNothing() throws Exception {
        PoolConfig pool = pool(2, "process");
        webhook("queued", 11, List.of("gpu", "windows"), null, "acme/web", "d-11");
        webhook("queued", 12, List.of("gpu"), null, "someone/else", "d-12");
        webhook("waiting", 13, List.of("gpu"), null, "acme/web", "d-13"); // waits for an approval: not queued yet

        Scaler.PoolPass pass = bridge(null).reconcile(pool, provider, null);

        assertThat(pass.decision().start()).isZero();
        assertThat(pass.status().queued()).isZero();
        assertThat(github.jitRequests()).isEmpty();
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void aDrainedPoolStartsNothing() throws Exception {
        PoolConfig pool = pool(2, "process");
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        PoolView drained = new PoolView("gh", true, null, null, null, List.of(), null);

        Scaler.PoolPass pass = bridge(null).reconcile(pool, provider, drained);

        assertThat(pass.decision().start()).isZero();
        assertThat(pass.status().reason()).contains("drained");
        assertThat(github.jitRequests()).isEmpty();
        assertThat(provider.list()).isEmpty();
    }

    @Test
    void maxIsRespectedAndTheNextJobStartsWhenARunnerFinishes() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(null);
        webhook("queued", 1001, List.of("gpu"), null, "acme/web", "d-1001");
        webhook("queued", 1002, List.of("linux"), null, "acme/web", "d-1002");
        webhook("queued", 1003, List.of("gpu", "linux"), null, "acme/web", "d-1003");

        Scaler.PoolPass pass = bridge.reconcile(pool, provider, null);
        assertThat(pass.decision().start()).isEqualTo(2);
        assertThat(pass.status().queued()).isEqualTo(3);
        assertThat(github.jitRequests())
                .extracting(r -> r.body().path("name").asText())
                .containsExactly("gh-1001", "gh-1002");
        Scaler.PoolPass full = bridge.reconcile(pool, provider, null);
        assertThat(full.decision().start()).isZero();
        assertThat(full.decision().summary()).isEqualTo("at max");
        assertThat(provider.list()).hasSize(2);

        // gh-1001 runs job 1001 and finishes; GitHub deletes a just-in-time runner after its job
        webhook("in_progress", 1001, List.of("gpu"), "gh-1001", "acme/web", "d-1001-p");
        webhook("completed", 1001, List.of("gpu"), "gh-1001", "acme/web", "d-1001-c");
        github.runners.remove("gh-1001");
        Scaler.PoolPass next = bridge.reconcile(pool, provider, null);

        assertThat(next.decision().start()).isEqualTo(1);
        assertThat(github.jitRequests())
                .extracting(r -> r.body().path("name").asText())
                .containsExactly("gh-1001", "gh-1002", "gh-1003");
        assertThat(provider.list()).extracting(Instance::name).containsExactlyInAnyOrder("gh-1002", "gh-1003");
    }

    @Test
    void aRunnerNameLeftRegisteredByACrashedStartIsDeletedAndAskedForAgain() throws Exception {
        PoolConfig pool = pool(2, "process");
        // GitHub's list is read once an hour here, so the orphan sweep has not seen the left-over runner yet
        GitHubBridge bridge = new GitHubBridge(api, "test-scaler", clock, null, Duration.ofHours(1));
        bridge.reconcile(pool, provider, null);
        String name = "gh-" + JOB;
        FakeGitHubApi.Runner leftOver = github.add(name, "gpu");
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");

        Scaler.PoolPass pass = bridge.reconcile(pool, provider, null);

        assertThat(pass.decision().start()).isEqualTo(1);
        assertThat(github.jitRequests()).hasSize(2); // 409 Already exists, then again after deleting it
        assertThat(github.deletes())
                .extracting(FakeGitHubApi.Request::path)
                .containsExactly("/repos/acme/web/actions/runners/" + leftOver.id);
        assertThat(provider.list()).extracting(Instance::name).containsExactly(name);
        assertThat(github.runners.get(name).id).isNotEqualTo(leftOver.id);
    }

    @Test
    void minIdleKeepsWarmRunnersThatWereNotStartedForAJob() throws Exception {
        PoolConfig pool = pool(2, "process", "    min-idle: 1\n");
        GitHubBridge bridge = bridge(null);

        Scaler.PoolPass pass = bridge.reconcile(pool, provider, null);
        assertThat(pass.decision().start()).isEqualTo(1);
        assertThat(provider.list())
                .singleElement()
                .satisfies(i -> assertThat(i.name()).matches("gh-w[0-9a-z]+"));
        github.runners.values().forEach(r -> r.status = "online");
        Scaler.PoolPass steady = bridge.reconcile(pool, provider, null);
        assertThat(steady.decision().start()).isZero();
        assertThat(steady.status().idle()).isEqualTo(1);
        assertThat(github.jitRequests()).hasSize(1);
    }

    // ---- ending

    @Test
    void aCompletedJobRemovesTheInstanceItsEventNames() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(null);
        String name = "gh-" + JOB;
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        bridge.reconcile(pool, provider, null);
        long pid = pid(name);

        FakeGitHubApi.Runner r = github.runners.get(name);
        r.status = "online";
        r.busy = true;
        webhook("in_progress", JOB, JOB_LABELS, name, "acme/web", "d-2");
        Scaler.PoolPass busy = bridge.reconcile(pool, provider, null);
        assertThat(busy.status().busy()).isEqualTo(1);
        assertThat(busy.status().queued()).isZero();
        assertThat(provider.list()).hasSize(1);

        r.busy = false;
        webhook("completed", JOB, JOB_LABELS, name, "acme/web", "d-3");
        Scaler.PoolPass done = bridge.reconcile(pool, provider, null);

        assertThat(done.decision().start()).isZero();
        assertThat(provider.list()).isEmpty();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(github.jitRequests()).hasSize(1);
    }

    @Test
    void anInstanceWhoseGitHubRunnerVanishedIsRemovedAfterTheRegisterTimeout() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(null);
        String name = "gh-" + JOB;
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        bridge.reconcile(pool, provider, null);
        // another runner took the job, and the one started for it was deleted on GitHub
        webhook("in_progress", JOB, JOB_LABELS, "someone-elses-runner", "acme/web", "d-2");
        github.runners.remove(name);

        Scaler.PoolPass early = bridge.reconcile(pool, provider, null);
        assertThat(early.status().starting()).isEqualTo(1); // GitHub's list may lag a fresh runner: not yet
        assertThat(provider.list()).hasSize(1);

        clock.advance(Duration.ofMinutes(2));
        Scaler.PoolPass late = bridge.reconcile(pool, provider, null);

        assertThat(late.status().starting()).isZero();
        assertThat(provider.list()).isEmpty();
        assertThat(github.jitRequests()).hasSize(1);
    }

    @Test
    void anIdleRunnerPastIdleTimeoutIsDeletedOnGitHubUnlessItJustTookAJob() throws Exception {
        PoolConfig pool = pool(2, "process", "    idle-timeout: 5m\n");
        GitHubBridge bridge = bridge(null);
        String name = "gh-" + JOB;
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        bridge.reconcile(pool, provider, null);
        // another runner took the job; the one started for it came online and has nothing to do
        webhook("in_progress", JOB, JOB_LABELS, "someone-elses-runner", "acme/web", "d-2");
        github.runners.get(name).status = "online";
        assertThat(bridge.reconcile(pool, provider, null).status().idle()).isEqualTo(1);

        clock.advance(Duration.ofMinutes(6));
        // GitHub gave it a job between the list and the delete: GitHub refuses, the runner is kept
        github.failures.add(new FakeGitHubApi.Failure(
                "DELETE",
                "/actions/runners/",
                422,
                "Bad request - Runner \"" + name + "\" is still running a job",
                Map.of()));
        Scaler.PoolPass refused = bridge.reconcile(pool, provider, null);
        assertThat(refused.decision().stop()).containsExactly(name);
        assertThat(provider.list()).extracting(Instance::name).containsExactly(name);

        Scaler.PoolPass stopped = bridge.reconcile(pool, provider, null);
        assertThat(stopped.decision().stop()).containsExactly(name);
        assertThat(provider.list()).isEmpty();
        assertThat(github.runners).doesNotContainKey(name);
    }

    @Test
    void anExitedRunnerIsRemovedAndDeletedOnGitHubAndAJobIsGivenUpAfterThreeFailedRunners() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(null);
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        bridge.reconcile(pool, provider, null);

        for (int i = 1; i <= 3; i++) {
            Instance running = provider.list().getFirst();
            long id = github.runners.get(running.name()).id;
            kill(pid(running.name()));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !provider.list().getFirst().running());
            bridge.reconcile(pool, provider, null);
            assertThat(github.deletes())
                    .last()
                    .satisfies(d -> assertThat(d.path()).endsWith("/runners/" + id));
            assertThat(github.runners.values()).noneMatch(r -> r.id == id);
        }
        // three runners ended before running a job: no fourth
        assertThat(github.jitRequests()).hasSize(3);
        assertThat(provider.list()).isEmpty();
        Scaler.PoolPass after = bridge.reconcile(pool, provider, null);
        assertThat(after.decision().start()).isZero();
        assertThat(after.status().reason()).contains("1 job(s) given up after 3 runners ended before running a job");
    }

    @Test
    void orphanGitHubRunnersOfThePoolAreDeletedAcrossPages() throws Exception {
        PoolConfig pool = pool(2, "process");
        for (int i = 0; i < 130; i++) github.add("build-box-" + i, "linux");
        FakeGitHubApi.Runner orphan = github.add("gh-999", "gpu");
        FakeGitHubApi.Runner warmOrphan = github.add("gh-wlq3k9a1", "gpu");
        github.add("gh-large-5", "gpu"); // another pool's
        github.add("gh-7-x", "gpu"); // not a name this scaler gives

        bridge(null).reconcile(pool, provider, null);

        assertThat(github.requests)
                .filteredOn(r -> r.method().equals("GET"))
                .extracting(FakeGitHubApi.Request::path)
                .containsExactly(
                        "/repos/acme/web/actions/runners?per_page=100",
                        "/repos/acme/web/actions/runners?per_page=100&page=2");
        assertThat(github.deletes())
                .extracting(FakeGitHubApi.Request::path)
                .containsExactlyInAnyOrder(
                        "/repos/acme/web/actions/runners/" + orphan.id,
                        "/repos/acme/web/actions/runners/" + warmOrphan.id);
        assertThat(github.runners).containsKeys("build-box-0", "build-box-129", "gh-large-5", "gh-7-x");
        assertThat(github.runners).doesNotContainKeys("gh-999", "gh-wlq3k9a1");
    }

    // ---- errors

    @Test
    void githubErrorsSayWhichCallFailedAndWhatToCheck() throws Exception {
        PoolConfig pool = pool(2, "process");
        GitHubBridge bridge = bridge(null);

        Files.writeString(dir.resolve("github-token"), "ghp_revoked");
        assertThatThrownBy(() -> bridge.reconcile(pool, provider, null))
                .hasMessage("GitHub list runners for repository acme/web: 401 Bad credentials; check the token in"
                        + " github.token-file (" + dir.resolve("github-token") + ")");
        assertThat(statusReason()).contains("401 Bad credentials");

        Files.writeString(dir.resolve("github-token"), TOKEN);
        github.failures.add(new FakeGitHubApi.Failure(
                "GET",
                "/actions/runners",
                403,
                "API rate limit exceeded for installation ID 4242.",
                Map.of("x-ratelimit-remaining", "0", "x-ratelimit-reset", "1700000000")));
        assertThatThrownBy(() -> bridge.reconcile(pool, provider, null))
                .hasMessage("GitHub rate limit reached (list runners for repository acme/web, 403 API rate limit"
                        + " exceeded for installation ID 4242.); the limit resets at 2023-11-14T22:13:20Z");
        github.failures.add(new FakeGitHubApi.Failure(
                "GET", "/actions/runners", 429, "Too many requests", Map.of("retry-after", "60")));
        assertThatThrownBy(() -> bridge.reconcile(pool, provider, null))
                .isInstanceOfSatisfying(
                        GitHubApi.GitHubException.class,
                        e -> assertThat(e.rateLimited()).isTrue())
                .hasMessageEndingWith("; retry after 60s");

        // a token that may not register runners: the start fails, the pool's status says why
        github.failures.add(new FakeGitHubApi.Failure(
                "POST", "/generate-jitconfig", 403, "Resource not accessible by integration", Map.of()));
        webhook("queued", JOB, JOB_LABELS, null, "acme/web", "d-1");
        Scaler.PoolPass refused = bridge.reconcile(pool, provider, null);
        assertThat(provider.list()).isEmpty();
        assertThat(refused.status().reason())
                .contains("GitHub generate-jitconfig for repository acme/web: 403 Resource not accessible by"
                        + " integration; the token needs the right to administer self-hosted runners");
        assertThat(statusReason()).contains("403 Resource not accessible by integration");

        GitHubApi org = new GitHubApi(github.url(), null, "acme", dir.resolve("github-token"));
        assertThatThrownBy(org::runners)
                .hasMessage("GitHub list runners for organization acme: 404 Not Found; check github.organization,"
                        + " github.api-url, and that the token can see it");
        GitHubApi noToken = new GitHubApi(github.url(), "acme/web", null, dir.resolve("missing-token"));
        assertThatThrownBy(noToken::runners)
                .hasMessage("github.token-file " + dir.resolve("missing-token") + ": no such file");
        GitHubApi unreachable = new GitHubApi("http://127.0.0.1:1", "acme/web", null, dir.resolve("github-token"));
        assertThatThrownBy(unreachable::runners)
                .hasMessageStartingWith("GitHub list runners for repository acme/web: cannot reach http://127.0.0.1:1");
    }

    @Test
    void aContainerRunnerGetsTheActionsRunnerImageAndItsConfigurationInTheEnvironment() throws Exception {
        PoolConfig pool = pool(2, "container");
        Launch l = bridge(null).launchOf(pool, "gh-42", new GitHubApi.JitConfig(7, "gh-42", "c2VjcmV0"));
        assertThat(l.image()).isEqualTo("ghcr.io/actions/actions-runner:latest");
        assertThat(l.command()).containsExactly("/home/runner/run.sh");
        assertThat(l.env()).containsEntry("ACTIONS_RUNNER_INPUT_JITCONFIG", "c2VjcmV0");
        assertThat(l.labels())
                .containsEntry(Labels.SCALER, "test-scaler")
                .containsEntry(Labels.POOL, "gh")
                .containsEntry(Labels.INSTANCE, "gh-42");
    }

    // ---- helpers

    GitHubBridge bridge(ExecutorService executor) {
        return new GitHubBridge(api, "test-scaler", clock, executor, Duration.ZERO);
    }

    PoolConfig pool(int max, String provider) throws Exception {
        return pool(max, provider, "");
    }

    /** {@code extra}: more settings of the pool, each line indented by four spaces. */
    PoolConfig pool(int max, String provider, String extra) throws Exception {
        String agent = provider.equals("process")
                ? "    agent:\n      command: [" + dir.resolve("actions-runner/run.sh") + "]\n"
                : "";
        String yaml = """
                scaler-id: test-scaler
                state-dir: state
                pools:
                  gh:
                    kind: github
                    labels: [GPU, db-app, dc-03, linux]
                    provider: %s
                    max: %d
                    register-timeout: 1m
                %s%s    github:
                      api-url: %s
                      repository: acme/web
                      token-file: github-token
                      runner-group-id: 7
                """.formatted(provider, max, agent, extra, github.url());
        return ScalerConfigFile.parse("scaler.yml", yaml, dir).pool("gh");
    }

    String statusReason() throws Exception {
        return api.pools().stream()
                .filter(v -> v.name().equals("gh"))
                .findFirst()
                .orElseThrow()
                .status()
                .reason();
    }

    /** A signed workflow_job delivery, built from GitHub's example payload. */
    void webhook(String action, long jobId, List<String> labels, String runner, String repo, String delivery)
            throws Exception {
        ObjectNode p =
                (ObjectNode) Json.lenient().readTree(getClass().getResourceAsStream("/webhooks/workflow_job.json"));
        p.put("action", action);
        ObjectNode job = (ObjectNode) p.get("workflow_job");
        job.put("id", jobId);
        job.put("status", action);
        ArrayNode ls = job.putArray("labels");
        labels.forEach(ls::add);
        if (runner == null) job.putNull("runner_name");
        else job.put("runner_name", runner);
        ((ObjectNode) p.get("repository")).put("full_name", repo);
        byte[] body = p.toString().getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.WEBHOOK_GITHUB))
                        .header("Content-Type", "application/json")
                        .header("X-GitHub-Event", "workflow_job")
                        .header("X-GitHub-Delivery", delivery)
                        .header(
                                "X-Hub-Signature-256",
                                "sha256=" + HexFormat.of().formatHex(mac.doFinal(body)))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
    }

    long pid(String instance) throws Exception {
        return Json.lenient()
                .readTree(dir.resolve("state/gh/" + instance + "/instance.json").toFile())
                .path("pid")
                .asLong();
    }

    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
    }
}
