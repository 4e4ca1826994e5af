package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.protocol.SecretView;
import dev.runway.protocol.StepSpec;
import dev.runway.protocol.VariableView;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import dev.runway.workflow.expr.Templates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20's pull_request, pull_request_target and workflow_dispatch triggers against a real server, a real git
 * repository laid out as GitHub keeps a pull request ({@code refs/pull/42/head}, {@code refs/pull/42/merge}) and a
 * runner that takes the jobs over the runner protocol: GitHub's example payloads (test resources), signed as GitHub
 * signs them; what a job is handed (its contexts, its env, its secrets) is what these tests read.
 */
class GitHubPullRequestWebhookTest {
    static final String SECRET = "a-long-webhook-secret-for-tests";
    static final String DEPLOY_KEY = "deploy-key-value-0123456789";
    static final String WEB_KEY = "deploy-key-of-acme-web-0123";

    static final String PR_WORKFLOW = """
            on:
              pull_request:
                branches: [main]
            env:
              WF_TOKEN: ${{ secrets.DEPLOY_KEY }}
            jobs:
              pr-build:
                runs-on: linux
                env:
                  PR: ${{ github.event.pull_request.number }}
                  TITLE: ${{ github.event.pull_request.title }}
                  EVENT: ${{ github.event_name }}
                  REF: ${{ github.ref }}
                  REF_NAME: ${{ github.ref_name }}
                  SHA: ${{ github.sha }}
                  HEAD_REF: ${{ github.head_ref }}
                  BASE_REF: ${{ github.base_ref }}
                  REGION: ${{ vars.REGION }}
                  VERSION: %s
                steps:
                  - run: echo "pull request ${{ github.event.pull_request.number }} from ${{ github.head_ref }}"
                  - run: deploy "${{ secrets.DEPLOY_KEY }}"
                    env:
                      ALSO: ${{ secrets['DEPLOY_KEY'] }}
            """;
    static final String TARGET_WORKFLOW = """
            on:
              pull_request_target:
                types: [opened, labeled]
            jobs:
              target-label:
                runs-on: linux
                env:
                  VERSION: %s
                  REGION: ${{ vars.REGION }}
                  REF: ${{ github.ref }}
                  SHA: ${{ github.sha }}
                  HEAD_REF: ${{ github.head_ref }}
                  BASE_REF: ${{ github.base_ref }}
                steps:
                  - run: label "${{ secrets.DEPLOY_KEY }}" ${{ github.event.pull_request.number }}
            """;
    static final String DOCS_WORKFLOW = """
            on:
              pull_request:
                paths: ['docs/**']
            jobs:
              docs: {runs-on: linux, steps: [{run: make docs}]}
            """;
    static final String DISPATCH_WORKFLOW = """
            on:
              workflow_dispatch:
                inputs:
                  level:
                    type: choice
                    options: [info, debug]
                    default: info
                  dry:
                    type: boolean
                    required: true
                  count:
                    type: number
                    default: 2
            jobs:
              manual:
                runs-on: linux
                env:
                  LEVEL: ${{ inputs.level }}
                  DRY: ${{ inputs.dry }}
                  COUNT: ${{ inputs.count }}
                  EVENT_DRY: ${{ github.event.inputs.dry }}
                  EVENT_NAME: ${{ github.event_name }}
                steps:
                  - run: echo "${{ inputs.level }}"
            """;

    @TempDir
    Path dir;

    RunwayServer server;
    Path repo;
    String base;
    String head;
    String merge;
    RegisterResponse runner;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        repo = Files.createDirectories(dir.resolve("web"));
        git("init", "-q", "-b", "main");
        write(".github/workflows/pr.yml", PR_WORKFLOW.formatted("base"));
        write(".github/workflows/target.yml", TARGET_WORKFLOW.formatted("base"));
        write(".github/workflows/docs.yml", DOCS_WORKFLOW);
        write(".github/workflows/dispatch.yml", DISPATCH_WORKFLOW);
        write("src/app.txt", "one\n");
        commit("base");
        base = git("rev-parse", "HEAD");
        // the pull request's branch changes the code and both pull request workflows
        git("checkout", "-q", "-b", "feature/fast");
        write("src/app.txt", "two\n");
        write(".github/workflows/pr.yml", PR_WORKFLOW.formatted("head"));
        write(".github/workflows/target.yml", TARGET_WORKFLOW.formatted("head"));
        commit("faster");
        head = git("rev-parse", "HEAD");
        git("checkout", "-q", "main");
        // what GitHub keeps for pull request 42: its head, and the merge of its head into the base
        String tree = git("merge-tree", "--write-tree", base, head);
        merge = git("commit-tree", tree, "-p", base, "-p", head, "-m", "Merge " + head + " into " + base);
        git("update-ref", "refs/pull/42/head", head);
        git("update-ref", "refs/pull/42/merge", merge);
        server = RunwayServer.start(ServerConfig.defaults(dir.resolve("data"))
                .withPort(0)
                .withLimits(1_000_000, 64 * 1024)
                .withGitHub(new ServerConfig.GitHubWebhooks(SECRET, Map.of("acme/web", repo.toString()))));
        HttpApiTest.Answer put = HttpApiTest.call(
                server,
                "PUT",
                ApiPaths.SECRET.replace("{name}", "DEPLOY_KEY"),
                server.adminToken(),
                HttpApiTest.json(new SecretView.SetRequest(DEPLOY_KEY)));
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        HttpApiTest.Answer web = HttpApiTest.call(
                server,
                "PUT",
                ApiPaths.SECRET.replace("{name}", "DEPLOY_KEY") + "?repo=acme/web",
                server.adminToken(),
                HttpApiTest.json(new SecretView.SetRequest(WEB_KEY)));
        assertThat(web.status()).as(web.body()).isEqualTo(201);
        HttpApiTest.Answer region = HttpApiTest.call(
                server,
                "PUT",
                ApiPaths.VARIABLE.replace("{name}", "REGION") + "?repo=acme/web",
                server.adminToken(),
                HttpApiTest.json(new VariableView.SetRequest("eu-west")));
        assertThat(region.status()).as(region.body()).isEqualTo(201);
        String token = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        server.adminToken(),
                        HttpApiTest.json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        runner = HttpApiTest.call(
                        server,
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        HttpApiTest.json(new RegisterRequest(token, "r", List.of("linux"), 8, "test")))
                .as(RegisterResponse.class);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** GitHub's example {@code pull_request} payload made pull request 42 of acme/web, from {@code headRepo}. */
    ObjectNode pullRequest(String action, String headRepo) throws Exception {
        ObjectNode p = example("pull_request");
        p.put("action", action);
        p.put("number", 42);
        p.with("repository").put("full_name", "acme/web");
        ObjectNode pr = p.with("pull_request");
        pr.put("number", 42);
        pr.put("title", "Faster builds ${{ secrets.DEPLOY_KEY }}");
        pr.with("head").put("ref", "feature/fast").put("sha", head);
        pr.with("head").with("repo").put("full_name", headRepo);
        pr.with("base").put("ref", "main").put("sha", base);
        pr.with("base").with("repo").put("full_name", "acme/web");
        return p;
    }

    @Test
    void aPullRequestRunsTheMergeCommitsWorkflowAtRefsPullMergeWithItsPayload() throws Exception {
        JsonNode answer = accepted("pull_request", pullRequest("opened", "acme/web"));
        assertThat(answer.path("runs")).as(answer.toString()).hasSize(2); // pr.yml and target.yml; not docs.yml

        Map<String, RunView> runs = runsByEvent();
        RunView pr = runs.get("pull_request");
        assertThat(pr.workflow()).isEqualTo(".github/workflows/pr.yml");
        assertThat(pr.ref()).isEqualTo("refs/pull/42/merge");
        assertThat(pr.sha()).isEqualTo(merge);

        Map<String, Assignment> jobs = claim(2);
        Assignment build = jobs.get("pr-build");
        assertThat(build.spec().env())
                .containsEntry("PR", "42")
                .containsEntry("TITLE", "Faster builds ${{ secrets.DEPLOY_KEY }}")
                .containsEntry("EVENT", "pull_request")
                .containsEntry("REF", "refs/pull/42/merge")
                .containsEntry("REF_NAME", "42/merge")
                .containsEntry("SHA", merge)
                .containsEntry("HEAD_REF", "feature/fast")
                .containsEntry("BASE_REF", "main")
                .containsEntry("REGION", "eu-west")
                .containsEntry("VERSION", "head"); // the workflow as the pull request changes it
        // the step's own expression, evaluated with the contexts the runner is handed, prints the number
        StepSpec echo = build.spec().steps().getFirst();
        assertThat(Templates.render(echo.run(), scope(build))).isEqualTo("echo \"pull request 42 from feature/fast\"");
        // github.event is the delivered payload, whole (less its null fields: Runway's JSON leaves those out)
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) github(build).get("event");
        assertThat((JsonNode) Json.lenient().valueToTree(event))
                .isEqualTo(withoutNulls(Json.lenient().readTree(lastSent)));
        // the same repository's pull request: its secrets are sent, the repository's own first (github.repository
        // is the delivery's acme/web, not the name of the directory it is read from); the title's
        // secrets.DEPLOY_KEY is data
        assertThat(github(build)).containsEntry("repository", "acme/web").containsEntry("repository_owner", "acme");
        assertThat(build.secrets()).isEqualTo(Map.of("DEPLOY_KEY", WEB_KEY));
    }

    @Test
    void aForksPullRequestGetsNoSecretsNorVarsButTheBaseBranchsPullRequestTargetDoes() throws Exception {
        JsonNode answer = accepted("pull_request", pullRequest("opened", "mallory/web"));
        assertThat(answer.path("runs")).as(answer.toString()).hasSize(2);

        Map<String, Assignment> jobs = claim(2);
        Assignment build = jobs.get("pr-build");
        // the fork's workflow refers to DEPLOY_KEY in workflow env, a step and step env: none of it is sent
        assertThat(build.secrets()).isEmpty();
        assertThat(Json.lenient().writeValueAsString(build))
                .doesNotContain(DEPLOY_KEY)
                .doesNotContain(WEB_KEY);
        assertThat(build.spec().env()).containsEntry("VERSION", "head");
        // nor the repository's variables, as on GitHub
        assertThat(build.spec().env()).containsEntry("REGION", "");
        assertThat(build.spec().contexts().get("vars")).isEqualTo(Map.of());
        String audit = get(ApiPaths.AUDIT + "?kind=secret.").body();
        assertThat(audit).contains("secret.withheld", "a pull request from the fork mallory/web");

        // pull_request_target: the base branch's workflow (not the fork's change to it), on the base branch,
        // with the repository's secrets
        Assignment target = jobs.get("target-label");
        assertThat(target.spec().env())
                .containsEntry("VERSION", "base")
                .containsEntry("REGION", "eu-west")
                .containsEntry("REF", "refs/heads/main")
                .containsEntry("SHA", base)
                .containsEntry("HEAD_REF", "feature/fast")
                .containsEntry("BASE_REF", "main");
        assertThat(target.secrets()).containsEntry("DEPLOY_KEY", WEB_KEY);
        RunView run = runsByEvent().get("pull_request_target");
        assertThat(run.ref()).isEqualTo("refs/heads/main");
        assertThat(run.sha()).isEqualTo(base);
        assertThat(run.workflow()).isEqualTo(".github/workflows/target.yml");
    }

    @Test
    void aForksPullRequestRestoresTheRepositorysCachesButCannotPlantOne() throws Exception {
        // a trusted run (a dispatch on main) saves the repository's cache
        HttpApiTest.Answer started = HttpApiTest.call(
                server,
                "POST",
                ApiPaths.RUNS,
                server.adminToken(),
                HttpApiTest.json(new RunRequest(
                        repo.toString(), "main", ".github/workflows/dispatch.yml", null, null, Map.of("dry", "true"))));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        Assignment trusted = claim(1).get("manual");
        assertThat(cache("PUT", trusted, "deps-main", "from main").statusCode()).isEqualTo(201);

        accepted("pull_request", pullRequest("opened", "mallory/web"));
        Map<String, Assignment> jobs = claim(2);
        Assignment fork = jobs.get("pr-build");
        HttpResponse<String> restored = cache("GET", fork, "deps-main", null);
        assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
        assertThat(restored.body()).contains("deps-main");
        assertThat(cache("GET", fork, "deps-main", null, "/blob").body()).isEqualTo("from main");
        // the fork saves under a key the default branch will look for: kept to its own pull request
        assertThat(cache("PUT", fork, "deps-next", "poisoned").statusCode()).isEqualTo(201);
        assertThat(cache("GET", fork, "deps-next", null).statusCode()).isEqualTo(200);
        Assignment target = jobs.get("target-label"); // the base branch's workflow, trusted
        assertThat(cache("GET", target, "deps-next", null).statusCode()).isEqualTo(204);
        assertThat(cache("GET", target, "deps-next", null, "/blob").statusCode())
                .isEqualTo(404);
        assertThat(cache("PUT", target, "deps-next", "clean").statusCode()).isEqualTo(201);
        assertThat(cache("GET", target, "deps-next", null, "/blob").body()).isEqualTo("clean");
    }

    HttpResponse<String> cache(String method, Assignment a, String key, String body, String... blob) throws Exception {
        String path = ApiPaths.withId(ApiPaths.RUNNER_JOB_CACHE, a.jobId()) + (blob.length > 0 ? blob[0] : "") + "?key="
                + key + "&version=v1";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Authorization", "Bearer " + a.jobToken())
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPullRequestWhoseHeadRepositoryIsGoneOrByDependabotGetsNoSecrets() throws Exception {
        ObjectNode deleted = pullRequest("synchronize", "acme/web");
        deleted.with("pull_request").with("head").putNull("repo");
        accepted("pull_request", deleted);
        Assignment gone = claim(1).get("pr-build");
        assertThat(gone.secrets()).isEmpty();
        assertThat(gone.spec().env()).containsEntry("REGION", "");

        ObjectNode bot = pullRequest("reopened", "acme/web");
        bot.with("sender").put("login", "dependabot[bot]");
        accepted("pull_request", bot);
        Assignment dependabot = claim(1).get("pr-build");
        assertThat(dependabot.secrets()).isEmpty();
        // GitHub gives Dependabot's pull requests the variables, not the secrets
        assertThat(dependabot.spec().env()).containsEntry("REGION", "eu-west");
        assertThat(get(ApiPaths.AUDIT + "?kind=secret.withheld").body())
                .contains("a pull request from a deleted fork", "a pull request by Dependabot");
    }

    @Test
    void typesBaseBranchesAndPathsDecideWhichWorkflowsRun() throws Exception {
        // closed (not merged) and edited are not default types; target.yml asks for labeled
        assertThat(accepted("pull_request", pullRequest("closed", "acme/web")).path("runs"))
                .isEmpty();
        assertThat(accepted("pull_request", pullRequest("labeled", "acme/web")).path("runs"))
                .hasSize(1);
        assertThat(runsByEvent()).containsOnlyKeys("pull_request_target");
        // a pull request into another branch: pr.yml filters branches: [main]
        ObjectNode dev = pullRequest("synchronize", "acme/web");
        dev.with("pull_request").with("base").put("ref", "dev");
        git("branch", "dev", base);
        assertThat(accepted("pull_request", dev).path("runs")).isEmpty();
        // a pull request that changes docs/: docs.yml's paths filter lets it run
        git("checkout", "-q", "-b", "docs", head);
        write("docs/guide.md", "# guide\n");
        commit("docs");
        String docsHead = git("rev-parse", "HEAD");
        git("checkout", "-q", "main");
        String tree = git("merge-tree", "--write-tree", base, docsHead);
        git("update-ref", "refs/pull/43/merge", git("commit-tree", tree, "-p", base, "-p", docsHead, "-m", "m"));
        ObjectNode docs = pullRequest("opened", "acme/web");
        docs.put("number", 43);
        docs.with("pull_request").put("number", 43);
        docs.with("pull_request").with("head").put("sha", docsHead);
        JsonNode answer = accepted("pull_request", docs);
        assertThat(answer.path("runs")).as(answer.toString()).hasSize(3); // pr.yml, target.yml, docs.yml
    }

    @Test
    void aSynchronizeBeforeGitHubMergedTheNewHeadStartsNoPullRequestRunAndSaysWhy() throws Exception {
        git("checkout", "-q", "feature/fast");
        write("src/app.txt", "three\n");
        commit("more");
        String newer = git("rev-parse", "HEAD");
        git("checkout", "-q", "main");
        ObjectNode sync = pullRequest("synchronize", "acme/web");
        sync.with("pull_request").with("head").put("sha", newer);
        JsonNode answer = accepted("pull_request", sync);
        assertThat(answer.path("runs")).isEmpty();
        assertThat(answer.path("skipped").path("pull_request").asText())
                .contains("no merge commit of pull request #42", newer.substring(0, 12), "refs/pull/42/merge");
    }

    @Test
    void aMergedPullRequestsClosedRunsOnTheBaseBranchAtItsMergeCommit() throws Exception {
        write(".github/workflows/merged.yml", """
                on:
                  pull_request:
                    types: [closed]
                jobs:
                  after-merge:
                    if: github.event.pull_request.merged == true
                    runs-on: linux
                    env: {REF: '${{ github.ref }}', SHA: '${{ github.sha }}'}
                    steps: [{run: echo merged}]
                """);
        commit("merged workflow");
        git("merge", "-q", "--no-ff", "-m", "Merge pull request #42", "feature/fast");
        String merged = git("rev-parse", "HEAD");
        ObjectNode closed = pullRequest("closed", "acme/web");
        closed.with("pull_request").put("merged", true).put("merge_commit_sha", merged);
        assertThat(accepted("pull_request", closed).path("runs")).hasSize(1);
        Assignment a = claim(1).get("after-merge");
        assertThat(a.spec().env()).containsEntry("REF", "refs/heads/main").containsEntry("SHA", merged);
    }

    @Test
    void aDispatchFromTheWebhookChecksItsInputsAndExposesThem() throws Exception {
        ObjectNode d = dispatch(Map.of("level", "debug", "dry", "true"));
        JsonNode answer = accepted("workflow_dispatch", d);
        assertThat(answer.path("runs")).hasSize(1);
        Assignment a = claim(1).get("manual");
        assertThat(a.spec().env())
                .containsEntry("LEVEL", "debug")
                .containsEntry("DRY", "true")
                .containsEntry("COUNT", "2") // the default
                .containsEntry("EVENT_DRY", "true")
                .containsEntry("EVENT_NAME", "workflow_dispatch");
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) github(a).get("event");
        assertThat(event.get("inputs")).isEqualTo(Map.of("level", "debug", "dry", "true", "count", "2"));
        assertThat(event).containsEntry("workflow", ".github/workflows/dispatch.yml");
        assertThat(a.spec().contexts().get("inputs")).isEqualTo(Map.of("level", "debug", "dry", true, "count", 2));
        RunView run = runsByEvent().get("workflow_dispatch");
        assertThat(run.ref()).isEqualTo("refs/heads/main");
        assertThat(run.sha()).isEqualTo(base);

        // refused before it is recorded: each names the input, and the same delivery can be sent again once fixed
        Map<Map<String, String>, String> bad = new LinkedHashMap<>();
        bad.put(Map.of("level", "trace", "dry", "true"), "'trace' is not an option of 'level'");
        bad.put(Map.of("level", "info"), "'dry' is required");
        bad.put(Map.of("dry", "maybe"), "'dry' is a boolean");
        bad.put(Map.of("dry", "true", "count", "many"), "'count' is a number");
        bad.put(Map.of("dry", "true", "colour", "red"), "'colour' is not an input of this workflow");
        for (var e : bad.entrySet()) {
            HttpResponse<String> r =
                    sendSigned("workflow_dispatch", dispatch(e.getKey()).toString(), "fixed-later");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(error(r)).contains(e.getValue());
        }
        HttpResponse<String> fixed = sendSigned("workflow_dispatch", d.toString(), "fixed-later");
        assertThat(fixed.statusCode()).as(fixed.body()).isEqualTo(202);

        ObjectNode notDispatchable = dispatch(Map.of());
        notDispatchable.put("workflow", ".github/workflows/pr.yml");
        assertThat(accepted("workflow_dispatch", notDispatchable).path("reason").asText())
                .contains("has no on: workflow_dispatch");
        ObjectNode noSuchRef = dispatch(Map.of("dry", "false"));
        noSuchRef.put("ref", "refs/heads/nowhere");
        HttpResponse<String> r = sendSigned("workflow_dispatch", noSuchRef.toString(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(error(r)).contains("refs/heads/nowhere");
    }

    @Test
    void aDispatchFromRunwaysApiChecksItsInputsAndExposesThemTheSameWay() throws Exception {
        HttpApiTest.Answer started = HttpApiTest.call(
                server,
                "POST",
                ApiPaths.RUNS,
                server.adminToken(),
                HttpApiTest.json(new RunRequest(
                        repo.toString(),
                        "main",
                        ".github/workflows/dispatch.yml",
                        null,
                        "workflow_dispatch",
                        Map.of("dry", "false", "count", "7"))));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        Assignment a = claim(1).get("manual");
        assertThat(a.spec().env())
                .containsEntry("LEVEL", "info")
                .containsEntry("DRY", "false")
                .containsEntry("COUNT", "7")
                .containsEntry("EVENT_DRY", "false");
        @SuppressWarnings("unchecked")
        Map<String, Object> event = (Map<String, Object>) github(a).get("event");
        assertThat(event.get("inputs")).isEqualTo(Map.of("level", "info", "dry", "false", "count", "7"));
        HttpApiTest.Answer refused = HttpApiTest.call(
                server,
                "POST",
                ApiPaths.RUNS,
                server.adminToken(),
                HttpApiTest.json(new RunRequest(
                        repo.toString(),
                        "main",
                        ".github/workflows/dispatch.yml",
                        null,
                        "workflow_dispatch",
                        Map.of("level", "loud", "dry", "true"))));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.as(ApiError.class).message()).contains("'loud' is not an option of 'level'");
    }

    @Test
    void aPushRunHasTheDeliveredPushPayloadAsItsEvent() throws Exception {
        write(".github/workflows/push.yml", """
                on: push
                jobs:
                  pushed:
                    runs-on: linux
                    env: {BEFORE: '${{ github.event.before }}', PUSHER: '${{ github.event.pusher.name }}'}
                    steps: [{run: echo pushed}]
                """);
        commit("push workflow");
        ObjectNode push = example("push");
        push.with("repository").put("full_name", "acme/web");
        push.put("ref", "refs/heads/main");
        push.put("before", base);
        push.put("after", git("rev-parse", "HEAD"));
        assertThat(accepted("push", push).path("runs")).hasSize(1);
        Assignment a = claim(1).get("pushed");
        assertThat(a.spec().env()).containsEntry("BEFORE", base).containsEntry("PUSHER", "Codertocat");
        assertThat(github(a)).containsEntry("actor", "Codertocat");
    }

    @Test
    void badDeliveriesAreRefusedWith4xxAndAClearMessageAndStartNothing() throws Exception {
        String body = pullRequest("opened", "acme/web").toString();
        HttpResponse<String> unsigned = send("pull_request", body, null, "b-1");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(error(unsigned)).contains("missing X-Hub-Signature-256");
        HttpResponse<String> forged = send("pull_request", body, sign(body.replace("acme/web", "acme/wen")), "b-2");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(error(forged)).contains("does not match");

        String malformed = body.substring(0, body.length() / 2);
        HttpResponse<String> cut = send("pull_request", malformed, sign(malformed), "b-3");
        assertThat(cut.statusCode()).isEqualTo(400);
        assertThat(error(cut)).startsWith("the payload is not JSON");

        String huge = "{\"pad\":\"" + "x".repeat(64 * 1024) + "\"}";
        HttpResponse<String> oversized = send("pull_request", huge, sign(huge), "b-4");
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(error(oversized)).contains("exceeds the limit");

        HttpResponse<String> unknown = send("pull_requests", body, sign(body), "b-5");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(error(unknown)).contains("X-GitHub-Event: 'pull_requests' is not an event GitHub sends");
        // an event GitHub sends that Runway does not act on is answered, not refused
        HttpResponse<String> star = send("star", "{\"action\":\"created\"}", sign("{\"action\":\"created\"}"), "b-6");
        assertThat(star.statusCode()).isEqualTo(202);
        assertThat(star.body()).contains("ignored");

        Map<String, java.util.function.Consumer<ObjectNode>> broken = new LinkedHashMap<>();
        broken.put("action: required", p -> p.remove("action"));
        broken.put("pull_request: required, an object", p -> p.put("pull_request", 7));
        broken.put("number: required, a positive whole number", p -> p.put("number", -1));
        broken.put(
                "pull_request.head.sha: required, a commit id",
                p -> p.with("pull_request").with("head").put("sha", "HEAD"));
        broken.put(
                "pull_request.base.sha: required, a commit id",
                p -> p.with("pull_request").with("base").remove("sha"));
        broken.put(
                "pull_request.base.ref: '--upload-pack=x' is not a branch name",
                p -> p.with("pull_request").with("base").put("ref", "--upload-pack=x"));
        broken.put(
                "pull_request.head.ref: required",
                p -> p.with("pull_request").with("head").put("ref", 3));
        broken.put(
                "pull_request.head.repo: must be an object or null",
                p -> p.with("pull_request").with("head").put("repo", "acme/web"));
        broken.put(
                "pull_request.merge_commit_sha: must be a commit id or null",
                p -> p.with("pull_request").put("merge_commit_sha", "abc"));
        for (var e : broken.entrySet()) {
            ObjectNode p = pullRequest("opened", "acme/web");
            e.getValue().accept(p);
            HttpResponse<String> r = sendSigned("pull_request", p.toString(), "broken");
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(error(r)).startsWith(e.getKey());
        }
        for (String empty : List.of("[]", "null", "\"text\"")) {
            HttpResponse<String> r = sendSigned("pull_request", empty, null);
            assertThat(r.statusCode()).as(empty).isEqualTo(400);
        }
        ObjectNode badDispatch = dispatch(Map.of());
        badDispatch.put("workflow", "../../etc/passwd");
        HttpResponse<String> r = sendSigned("workflow_dispatch", badDispatch.toString(), null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).contains("is not a workflow file under .github/workflows/");
        ObjectNode nested = dispatch(Map.of());
        nested.with("inputs").putObject("deep");
        HttpResponse<String> n = sendSigned("workflow_dispatch", nested.toString(), null);
        assertThat(n.statusCode()).isEqualTo(400);
        assertThat(error(n)).contains("inputs.deep: must be a string, a number or a boolean");

        assertThat(runs()).as("nothing started").isEmpty();
        // none of the refused deliveries was recorded: the fixed one, under the same id, starts its runs
        HttpResponse<String> ok = sendSigned("pull_request", body, "broken");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
        assertThat(runs()).hasSize(2);
        assertThat(sendSigned("pull_request", body, "broken").body()).contains("duplicate");
    }

    // ---- helpers

    ObjectNode dispatch(Map<String, String> inputs) throws Exception {
        ObjectNode d = example("workflow_dispatch");
        d.with("repository").put("full_name", "acme/web");
        d.put("ref", "refs/heads/main");
        d.put("workflow", ".github/workflows/dispatch.yml");
        ObjectNode in = d.putObject("inputs");
        inputs.forEach(in::put);
        return d;
    }

    static JsonNode withoutNulls(JsonNode n) {
        if (n instanceof ObjectNode o) {
            List<String> nulls = new ArrayList<>();
            o.properties().forEach(e -> {
                if (e.getValue().isNull()) nulls.add(e.getKey());
                else withoutNulls(e.getValue());
            });
            o.remove(nulls);
        } else if (n.isArray()) n.forEach(GitHubPullRequestWebhookTest::withoutNulls);
        return n;
    }

    static Templates.Scope scope(Assignment a) {
        return new Templates.Scope(Templates.object(a.spec().contexts()));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> github(Assignment a) {
        return (Map<String, Object>) a.spec().contexts().get("github");
    }

    /** {@code n} jobs taken by the runner, by job name. */
    Map<String, Assignment> claim(int n) throws Exception {
        Map<String, Assignment> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            HttpApiTest.Answer next = HttpApiTest.call(
                    server,
                    "POST",
                    ApiPaths.RUNNER_JOBS_NEXT,
                    runner.credential(),
                    HttpApiTest.json(new PollRequest(10)));
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            Assignment a = next.as(Assignment.class);
            out.put(a.spec().name(), a);
        }
        return out;
    }

    Map<String, RunView> runsByEvent() throws Exception {
        Map<String, RunView> out = new LinkedHashMap<>();
        for (RunView r : runs()) out.put(r.event(), r);
        return out;
    }

    List<RunView> runs() throws Exception {
        return Json.lenient()
                .readValue(get(ApiPaths.RUNS).body(), RunList.class)
                .runs();
    }

    String lastSent;

    /** Sent signed under a new delivery id; answered 202, its answer. */
    JsonNode accepted(String event, ObjectNode payload) throws Exception {
        lastSent = payload.toString();
        HttpResponse<String> r = sendSigned(event, lastSent, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return Json.lenient().readTree(r.body());
    }

    ObjectNode example(String event) throws Exception {
        return (ObjectNode) Json.lenient().readTree(getClass().getResourceAsStream("/webhooks/" + event + ".json"));
    }

    static String sign(String body) {
        return WebhookRoutes.signature(SECRET, body.getBytes(StandardCharsets.UTF_8));
    }

    static String error(HttpResponse<String> r) throws Exception {
        return Json.lenient().readValue(r.body(), ApiError.class).message();
    }

    HttpResponse<String> sendSigned(String event, String body, String delivery) throws Exception {
        return send(event, body, sign(body), delivery);
    }

    HttpResponse<String> send(String event, String body, String signature, String delivery) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.WEBHOOK_GITHUB))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", event)
                .header(
                        "X-GitHub-Delivery",
                        delivery == null ? UUID.randomUUID().toString() : delivery)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) b.header("X-Hub-Signature-256", signature);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Authorization", "Bearer " + server.adminToken())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void write(String path, String text) throws Exception {
        Path p = repo.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    void commit(String message) throws Exception {
        git("add", "-A");
        git("-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", message);
    }

    String git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "user.email=t@runway.dev", "-c", "user.name=t"));
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
