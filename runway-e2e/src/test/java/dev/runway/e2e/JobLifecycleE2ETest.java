package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A control plane and two agents as separate processes; jobs go through the real API, CLI and shell executor. */
class JobLifecycleE2ETest {
    @TempDir
    static Path root;

    static Cluster cluster;
    static Path scratch;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = new Cluster(root).start();
        cluster.startAgent("alpha", "linux,alpha", "--slots", "2");
        cluster.startAgent("beta", "linux,beta");
        scratch = Files.createDirectories(root.resolve("scratch"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void successfulJobRunsStepsInOrderAndKeepsTheirOutput() {
        JobView job = cluster.api()
                .submit(aJob("hello")
                        .env("GREETING", "hello")
                        .step("first", "echo \"$GREETING from step one\"")
                        .step("second", "mkdir sub && cd sub && echo second in $(basename $PWD)")
                        .build());

        JobView done = cluster.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));

        String log = cluster.api().logs(job.id());
        assertThat(log).contains("hello from step one").contains("second in sub");
        assertThat(log.indexOf("hello from step one")).isLessThan(log.indexOf("second in sub"));
        assertThat(done.steps()).extracting(s -> s.result()).containsExactly(JobState.SUCCEEDED, JobState.SUCCEEDED);
        assertThat(done.runnerName()).isIn("alpha", "beta");
        assertThat(done.queueWaitMs()).isNotNull().isGreaterThanOrEqualTo(0);
        assertThat(done.durationMs()).isNotNull().isGreaterThanOrEqualTo(0);
    }

    @Test
    void failingStepFailsTheJobAndSkipsTheRest() {
        JobView job = cluster.api()
                .submit(aJob("fails")
                        .step("ok", "echo fine")
                        .step("broken", "echo about to fail; false; echo not reached")
                        .step("never", "echo never runs")
                        .build());

        JobView done = cluster.awaitState(job.id(), JobState.FAILED, Duration.ofSeconds(30));

        assertThat(done.reason()).contains("broken");
        assertThat(done.steps().get(1).exitCode()).isEqualTo(1);
        assertThat(done.steps().get(2).result()).isNull();
        assertThat(cluster.api().logs(job.id()))
                .contains("about to fail")
                .doesNotContain("not reached")
                .doesNotContain("never runs");
    }

    @Test
    void pipefailMakesAFailingPipelineFailTheStep() {
        JobView job = cluster.api()
                .submit(aJob("pipefail").step("pipe", "false | cat").build());
        assertThat(cluster.awaitState(job.id(), JobState.FAILED, Duration.ofSeconds(30))
                        .reason())
                .contains("pipe");
    }

    @Test
    void labelsRouteJobsOnlyToRunnersThatHaveAllOfThem() {
        JobView toBeta = cluster.api()
                .submit(aJob("for-beta")
                        .labels("linux", "beta")
                        .step("s", "echo on beta")
                        .build());
        JobView toAlpha = cluster.api()
                .submit(aJob("for-alpha")
                        .labels("alpha")
                        .step("s", "echo on alpha")
                        .build());
        JobView nobody = cluster.api()
                .submit(aJob("for-nobody")
                        .labels("alpha", "beta")
                        .step("s", "true")
                        .build());

        assertThat(cluster.awaitState(toBeta.id(), JobState.SUCCEEDED, Duration.ofSeconds(30))
                        .runnerName())
                .isEqualTo("beta");
        assertThat(cluster.awaitState(toAlpha.id(), JobState.SUCCEEDED, Duration.ofSeconds(30))
                        .runnerName())
                .isEqualTo("alpha");
        assertThat(cluster.api().job(nobody.id()).state()).isEqualTo(JobState.QUEUED);
        cluster.api().cancel(nobody.id());
        assertThat(cluster.api().job(nobody.id()).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void cancelKillsTheWholeProcessTreeWithinSeconds() throws Exception {
        Path pidFile = scratch.resolve("cancel.pid");
        JobView job = cluster.api()
                .submit(aJob("long")
                        .labels("alpha")
                        .step("sleepy", "(trap '' TERM; sleep 300) & echo $! > " + pidFile + "; echo started; wait")
                        .build());
        cluster.awaitState(job.id(), JobState.RUNNING, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
        long child = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(child)).isPresent();

        cluster.api().cancel(job.id());

        cluster.awaitState(job.id(), JobState.CANCELLED, Duration.ofSeconds(15));
        await("background child killed")
                .atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(child).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void stepTimeoutKillsTheStepAndTimesTheJobOut() {
        JobView job = cluster.api()
                .submit(aJob("slow-step")
                        .step("slow", "echo going; sleep 300", 2)
                        .build());
        JobView done = cluster.awaitState(job.id(), JobState.TIMED_OUT, Duration.ofSeconds(20));
        assertThat(done.durationMs()).isLessThan(15_000);
        assertThat(done.steps().get(0).result()).isEqualTo(JobState.TIMED_OUT);
    }

    @Test
    void jobTimeoutStopsAJobWhoseStepsHaveNone() {
        JobView job = cluster.api()
                .submit(aJob("slow-job")
                        .timeoutSeconds(2)
                        .step("slow", "sleep 300")
                        .build());
        JobView done = cluster.awaitState(job.id(), JobState.TIMED_OUT, Duration.ofSeconds(20));
        assertThat(done.durationMs()).isLessThan(15_000);
    }

    @Test
    void workspacesAreRemovedAfterJobs() {
        JobView job = cluster.api()
                .submit(aJob("leaves-files")
                        .labels("beta")
                        .step("write", "dd if=/dev/zero of=big bs=1k count=64 2>/dev/null; echo wrote")
                        .build());
        cluster.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
        await("beta's workspace removed")
                .atMost(Duration.ofSeconds(10))
                .until(() -> workspaces(cluster.workspaces("beta")) == 0);
    }

    @Test
    void cliSubmitPrintsTheIdAndLogsFollowsUntilTheJobEnds() throws IOException {
        Path file = scratch.resolve("job.yaml");
        Files.writeString(file, """
        name: from-cli
        steps:
          - name: count
            run: for i in 1 2 3 4 5; do echo "line $i"; sleep 0.3; done
        """);
        RunwayProcess submit = cluster.cli("submit", file.toString());
        assertThat(submit.awaitExit(Duration.ofSeconds(30))).as(submit.output()).isZero();
        String id = submit.output()
                .lines()
                .filter(l -> !l.isBlank())
                .reduce((a, b) -> b)
                .orElseThrow()
                .strip();
        assertThat(cluster.api().job(id).name()).isEqualTo("from-cli");

        RunwayProcess follow = cluster.cli("logs", "-f", id);
        assertThat(follow.awaitExit(Duration.ofSeconds(30))).as(follow.output()).isZero();

        assertThat(cluster.api().job(id).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(follow.output()).contains("line 1").contains("line 5");
    }

    @Test
    void cliJobsListsJobsWithStateAndRunner() {
        JobView job = cluster.api()
                .submit(aJob("listed").labels("beta").step("s", "true").build());
        cluster.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
        RunwayProcess jobs = cluster.cli("jobs");
        assertThat(jobs.awaitExit(Duration.ofSeconds(30))).as(jobs.output()).isZero();
        assertThat(jobs.output()).contains(job.id()).contains("succeeded").contains("beta");
    }

    @Test
    void cliReportsAnUnknownJobClearly() {
        RunwayProcess show = cluster.cli("jobs", "show", "no-such-job");
        assertThat(show.awaitExit(Duration.ofSeconds(30))).isNotZero();
        assertThat(show.output())
                .contains("runway: ")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    static long workspaces(Path workDir) throws IOException {
        if (!Files.exists(workDir)) return 0;
        try (Stream<Path> s = Files.list(workDir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }
}
