package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, end to end: `runway server` with a webhook secret and a repository, a real `runway agent`, and signed
 * {@code pull_request} deliveries shaped like GitHub's. The jobs print the pull request's number and branches from
 * {@code github.event} and the runner's variables, check out the merge commit, and show what they got of a secret:
 * the same repository's pull request gets it (masked), a fork's gets nothing, its base-branch
 * {@code pull_request_target} run gets it again.
 */
class PullRequestWebhookE2ETest {
    static final String SECRET = "webhook-secret-for-e2e-0123";
    static final String DEPLOY_KEY = "e2e-deploy-key-0123456789";

    static final String PR = """
            on: pull_request
            jobs:
              pr:
                runs-on: linux
                steps:
                  - uses: actions/checkout@v4
                  - run: |
                      echo "pull request ${{ github.event.pull_request.number }}: ${{ github.head_ref }} into ${{ github.base_ref }}"
                      echo "ref $GITHUB_REF head $GITHUB_HEAD_REF base $GITHUB_BASE_REF event $GITHUB_EVENT_NAME"
                      echo "app: $(cat src/app.txt)"
                      grep -q '"number": *42' "$GITHUB_EVENT_PATH" && echo "event file has the number"
                      echo "key: [${{ secrets.DEPLOY_KEY }}]"
            """;
    static final String TARGET = """
            on: pull_request_target
            jobs:
              target:
                runs-on: linux
                steps:
                  - run: |
                      echo "target of ${{ github.event.pull_request.number }} on $GITHUB_REF: %s"
                      echo "key: [${{ secrets.DEPLOY_KEY }}]"
            """;

    @TempDir
    Path root;

    @Test
    void pullRequestRunsPrintTheirEventAndOnlyTrustedOnesGetTheSecret() throws Exception {
        Path repo = Files.createDirectories(root.resolve("web"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        write(repo, ".github/workflows/pr.yml", PR);
        write(repo, ".github/workflows/target.yml", TARGET.formatted("base"));
        write(repo, "src/app.txt", "one");
        commit(repo, "base");
        String base = WorkflowRunsE2ETest.git(repo, "rev-parse", "HEAD");
        WorkflowRunsE2ETest.git(repo, "checkout", "-q", "-b", "feature/fast");
        write(repo, "src/app.txt", "two");
        write(repo, ".github/workflows/target.yml", TARGET.formatted("changed by the pull request"));
        commit(repo, "faster");
        String head = WorkflowRunsE2ETest.git(repo, "rev-parse", "HEAD");
        WorkflowRunsE2ETest.git(repo, "checkout", "-q", "main");
        String tree = WorkflowRunsE2ETest.git(repo, "merge-tree", "--write-tree", base, head);
        String merge = WorkflowRunsE2ETest.git(
                repo,
                "-c",
                "user.email=t@runway.dev",
                "-c",
                "user.name=t",
                "commit-tree",
                tree,
                "-p",
                base,
                "-p",
                head,
                "-m",
                "Merge");
        WorkflowRunsE2ETest.git(repo, "update-ref", "refs/pull/42/head", head);
        WorkflowRunsE2ETest.git(repo, "update-ref", "refs/pull/42/merge", merge);
        Path secretFile = Files.writeString(root.resolve("webhook-secret"), SECRET);
        try (Cluster c = new Cluster(
                        root.resolve("cluster"),
                        "--github-webhook-secret-file",
                        secretFile.toString(),
                        "--github-repo",
                        "acme/web=" + repo)
                .start()) {
            SecretsE2ETest.ok(c.cliWithInput(
                    Files.writeString(root.resolve("key.txt"), DEPLOY_KEY), "secrets", "set", "DEPLOY_KEY"));
            c.startAgent("w1", "linux");

            // the same repository's pull request: its run gets the secret, masked
            Map<String, String> same = logsByJob(c, deliver(c, pullRequest("acme/web", base, head), "d-1"));
            assertThat(same.get("pr"))
                    .as(c.outputs())
                    .contains(
                            "pull request 42: feature/fast into main",
                            "ref refs/pull/42/merge head feature/fast base main event pull_request",
                            "app: two",
                            "event file has the number",
                            "key: [***]")
                    .doesNotContain(DEPLOY_KEY);
            assertThat(same.get("target")).contains("target of 42 on refs/heads/main: base", "key: [***]");

            // a fork's: nothing of the secret reaches its job; pull_request_target still runs the base's workflow
            Map<String, String> fork = logsByJob(c, deliver(c, pullRequest("mallory/web", base, head), "d-2"));
            assertThat(fork.get("pr"))
                    .contains("pull request 42: feature/fast into main", "app: two", "key: []")
                    .doesNotContain(DEPLOY_KEY);
            assertThat(fork.get("target"))
                    .contains("target of 42 on refs/heads/main: base", "key: [***]")
                    .doesNotContain("changed by the pull request");
            assertThat(c.server().output()).contains("secrets [DEPLOY_KEY] withheld: a pull request from the fork");
        }
    }

    /** The fields of GitHub's {@code pull_request} payload that runs read, for pull request 42 of acme/web. */
    static ObjectNode pullRequest(String headRepo, String base, String head) {
        ObjectNode p = Json.lenient().createObjectNode();
        p.put("action", "opened").put("number", 42);
        ObjectNode pr = p.putObject("pull_request");
        pr.put("number", 42).put("title", "Faster builds").put("state", "open").put("merged", false);
        pr.putNull("merge_commit_sha");
        ObjectNode h = pr.putObject("head").put("label", headRepo.split("/")[0] + ":feature/fast");
        h.put("ref", "feature/fast").put("sha", head);
        h.putObject("repo").put("full_name", headRepo).put("fork", !headRepo.equals("acme/web"));
        ObjectNode b = pr.putObject("base")
                .put("label", "acme:main")
                .put("ref", "main")
                .put("sha", base);
        b.putObject("repo").put("full_name", "acme/web");
        p.putObject("repository").put("full_name", "acme/web").put("default_branch", "main");
        p.putObject("sender").put("login", headRepo.split("/")[0]);
        return p;
    }

    /** Sends {@code payload} signed as GitHub signs it; the ids of the runs it started. */
    static List<String> deliver(Cluster c, ObjectNode payload, String delivery) throws Exception {
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.url() + ApiPaths.WEBHOOK_GITHUB))
                                .header("Content-Type", "application/json")
                                .header("X-GitHub-Event", "pull_request")
                                .header("X-GitHub-Delivery", delivery)
                                .header("X-Hub-Signature-256", signature)
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode answer = Json.lenient().readTree(r.body());
        List<String> ids = new ArrayList<>();
        answer.path("runs").forEach(id -> ids.add(id.asText()));
        assertThat(ids).as(r.body()).hasSize(2);
        return ids;
    }

    /** Waits for the runs to end successfully; each job's log by job name. */
    static Map<String, String> logsByJob(Cluster c, List<String> runs) {
        Map<String, String> out = new TreeMap<>();
        for (String id : runs) {
            RunView run = await().atMost(Duration.ofSeconds(120))
                    .until(() -> c.api().run(id), r -> r.state().isTerminal());
            assertThat(run.state()).as(run + "\n" + c.outputs()).isEqualTo(JobState.SUCCEEDED);
            for (JobView j : run.jobs()) out.put(j.name(), c.api().logs(j.id()));
        }
        return out;
    }

    static void write(Path repo, String path, String text) throws Exception {
        Path p = repo.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    static void commit(Path repo, String message) throws Exception {
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(
                repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", message);
    }
}
