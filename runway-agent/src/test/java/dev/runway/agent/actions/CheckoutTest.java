package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in actions/checkout against a real repository: where HEAD ends up, as the real action leaves it. */
class CheckoutTest {
    @TempDir
    Path tmp;

    String run(Map<String, String> with, String ref, String sha, Path repo) throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path workspace = Files.createDirectories(work.resolve("job-" + System.nanoTime()));
        LogCapture log = new LogCapture();
        Map<String, Object> github =
                Map.of("repositoryUrl", repo.toString(), "sha", sha, "ref", ref, "repository", "acme/app");
        JobSpec spec = new JobSpec(
                "t",
                List.of(),
                Map.of(),
                List.of(
                        new StepSpec(
                                null, null, Map.of(), null, null, null, null, null, "actions/checkout@v4", with, null),
                        StepSpec.of(
                                "where",
                                "echo \"branch=$(git rev-parse --abbrev-ref HEAD) origin=$(git remote get-url origin)"
                                        + " head=$(git rev-parse HEAD)\"")),
                60,
                1,
                Map.of("github", github),
                null,
                null,
                null);
        Executor.Outcome o = new JobExecutor(new StepTracker(work))
                .run(
                        spec,
                        workspace,
                        new HashMap<>(Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))),
                        log,
                        new JobControl());
        String text = log.text();
        assertThat(o.result()).as(text).isEqualTo(JobState.SUCCEEDED);
        return text;
    }

    @Test
    void aBranchIsCheckedOutAsALocalBranchAndACommitDetached() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        ActionSourcesTest.git(repo, "init", "-q", "-b", "release");
        Files.writeString(repo.resolve("a.txt"), "a");
        ActionSourcesTest.git(repo, "add", "-A");
        ActionSourcesTest.git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "a");
        String sha = ActionSourcesTest.git(repo, "rev-parse", "HEAD").strip();

        assertThat(run(Map.of(), "refs/heads/release", sha, repo))
                .contains("branch=release origin=" + repo + " head=" + sha);
        assertThat(run(Map.of("fetch-depth", "0"), "refs/heads/release", sha, repo))
                .contains("branch=release origin=" + repo + " head=" + sha);
        assertThat(run(Map.of("ref", sha), "refs/heads/release", sha, repo)).contains("branch=HEAD origin=" + repo);
        assertThat(run(Map.of(), "refs/tags/v1", sha, repo)).contains("branch=HEAD origin=" + repo);
    }
}
