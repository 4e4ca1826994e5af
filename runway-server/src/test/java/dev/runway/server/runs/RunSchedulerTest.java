package dev.runway.server.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobState;
import dev.runway.server.TestClock;
import dev.runway.server.TestDatabases;
import dev.runway.server.dispatch.LogFollowerWakeup;
import dev.runway.server.dispatch.Wakeups;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.RunStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import dev.runway.server.store.Transition;
import dev.runway.server.store.TransitionListener;
import dev.runway.server.store.Transitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs moved on by {@link RunScheduler} against a real SQLite store, on a clock the test moves and with no background
 * loop: the test steps what the server's threads would do (a runner claims and completes, {@link
 * RunScheduler#sweep()} runs). Started through {@link RunStarter}, as the API and webhooks start them.
 */
class RunSchedulerTest {
    static final String CHAIN = """
            on: push
            jobs:
              build: {runs-on: linux, steps: [{run: make}]}
              test: {runs-on: linux, needs: build, timeout-minutes: 5, steps: [{run: make test}]}
            """;

    static final String MATRIX = """
            on: push
            jobs:
              test:
                runs-on: linux
                strategy: {matrix: {v: [1, 2, 3]}}
                steps: [{run: make test}]
            """;

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(1_700_000_000_000L);
    /** Every transition the listeners heard, in order. */
    final List<Transition> heard = new CopyOnWriteArrayList<>();

    Database db;
    Transitions transitions;
    JobStore jobs;
    RunStore runs;
    RunnerRecord runner;
    RunScheduler scheduler;
    RunStarter starter;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        transitions = new Transitions();
        jobs = new JobStore(db, transitions);
        runs = new RunStore(db);
        RunnerStore runners = new RunnerStore(db, transitions);
        scheduler = new RunScheduler(
                runs,
                new RunPlanner(new RunPlanner.Defaults(Duration.ofHours(6).toMillis(), 2)),
                transitions,
                new ParsedWorkflows(),
                clock);
        starter = new RunStarter(
                runs,
                scheduler,
                new GitSource(dir.resolve("git")),
                dir.resolve("actions"),
                java.util.Map.of(),
                null,
                clock);
        String reg = runners.createRegistrationToken(clock.millis(), clock.millis() + 3_600_000, 1)
                .token();
        runner = runners.register(reg, "r1", Labels.normalise(List.of("linux")), 10, "test", clock.millis())
                .runner();
    }

    /** The control plane's listeners, as RunwayServer wires them: finished jobs move their runs on. */
    void listening() {
        transitions.listen(heard::add).listen(new RunAdvancer(scheduler));
    }

    @AfterEach
    void close() {
        db.close();
    }

    RunRecord start(String workflow) throws Exception {
        return starter.start("ci.yml", workflow, null, null, null, null, Map.of(), RunOptions.NONE);
    }

    /** The run's jobs as {@code key[leg]=state}, in creation order. */
    List<String> jobsOf(RunRecord run) {
        List<String> out = new ArrayList<>();
        for (JobRecord j : jobs.ofRun(run.id()))
            out.add(j.jobKey() + (j.matrixTotal() != null && j.matrixTotal() > 1 ? "[" + j.matrixIndex() + "]" : "")
                    + "=" + j.state().wireName());
        return out;
    }

    JobRecord job(RunRecord run, String key) {
        return jobs.ofRun(run.id()).stream()
                .filter(j -> j.jobKey().equals(key))
                .findFirst()
                .orElseThrow();
    }

    JobStore.Claim claim() {
        return jobs.claim(runner.id(), runner.name(), runner.labels(), runner.slots(), clock.millis(), 30_000);
    }

    void finish(JobStore.Claim c, JobState result) {
        assertThat(jobs.complete(c.job().id(), c.job().attempt(), JobStore.Completion.of(result), clock.millis()))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
    }

    @Test
    void aRunQueuesJobsAsTheirNeedsFinishStampedWithTheSchedulersClock() throws Exception {
        listening();
        long t0 = clock.millis();
        RunRecord run = start(CHAIN);
        assertThat(run.state()).isEqualTo(JobState.RUNNING);
        assertThat(run.createdAt()).isEqualTo(t0);
        assertThat(jobsOf(run)).containsExactly("build=queued");
        assertThat(job(run, "build").queuedAt()).isEqualTo(t0);
        assertThat(job(run, "build").timeoutMs())
                .as("the default")
                .isEqualTo(Duration.ofHours(6).toMillis());

        clock.advance(Duration.ofSeconds(7));
        JobStore.Claim build = claim();
        clock.advance(Duration.ofMinutes(2));
        finish(build, JobState.SUCCEEDED);
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "test=queued");
        assertThat(job(run, "test").queuedAt()).isEqualTo(t0 + 127_000);
        assertThat(job(run, "test").timeoutMs()).as("timeout-minutes").isEqualTo(300_000);

        JobStore.Claim test = claim();
        clock.advance(Duration.ofSeconds(30));
        finish(test, JobState.SUCCEEDED);
        RunRecord done = runs.get(run.id());
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.finishedAt()).isEqualTo(t0 + 157_000);
    }

    @Test
    void aJobThatFinishedUnheardIsCaughtUpByTheSweep() throws Exception {
        // no listeners: as when the job finished on a replica that died before moving its run on
        RunRecord run = start(CHAIN);
        finish(claim(), JobState.SUCCEEDED);
        assertThat(jobsOf(run)).containsExactly("build=succeeded");
        assertThat(runs.active()).contains(run.id());

        clock.advance(Duration.ofSeconds(5));
        scheduler.sweep();
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "test=queued");
        assertThat(job(run, "test").queuedAt()).isEqualTo(clock.millis());

        scheduler.sweep(); // idempotent: nothing new to plan, nothing queued twice
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "test=queued");
    }

    @Test
    void aFailedNeedSkipsItsDependentsAndFailsTheRun() throws Exception {
        listening();
        RunRecord run = start(CHAIN);
        finish(claim(), JobState.FAILED);
        assertThat(jobsOf(run)).containsExactly("build=failed", "test=skipped");
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(heard)
                .filteredOn(t -> t.job().jobKey().equals("test"))
                .extracting(t -> t.to() + " " + t.cause())
                .containsExactly("SKIPPED PLANNED");
    }

    @Test
    void cancellingARunCancelsQueuedJobsAtOnceAndAsksRunningOnesToStop() throws Exception {
        listening();
        RunRecord run = start(MATRIX);
        JobStore.Claim running = claim();
        clock.advance(Duration.ofSeconds(3));
        long cancelAt = clock.millis();

        RunRecord after = scheduler.cancel(run.id());

        assertThat(after.state()).as("one job still runs").isEqualTo(JobState.RUNNING);
        assertThat(after.cancelRequested()).isTrue();
        List<JobRecord> legs = jobs.ofRun(run.id());
        assertThat(legs)
                .filteredOn(j -> j.state() == JobState.CANCELLED)
                .hasSize(2)
                .allSatisfy(j -> {
                    assertThat(j.finishedAt()).isEqualTo(cancelAt);
                    assertThat(j.reason()).isEqualTo("run cancelled");
                });
        assertThat(jobs.get(running.job().id()).cancelRequested()).isTrue();
        assertThat(heard)
                .filteredOn(Transition::finished)
                .extracting(Transition::cause)
                .containsOnly(Transition.Cause.RUN_CANCEL);

        clock.advance(Duration.ofSeconds(2));
        finish(running, JobState.CANCELLED); // the runner stopped it
        RunRecord done = runs.get(run.id());
        assertThat(done.state()).isEqualTo(JobState.CANCELLED);
        assertThat(done.finishedAt()).isEqualTo(cancelAt + 2000);
    }

    @Test
    void aFailedMatrixLegCancelsItsSiblingsAsFailFast() throws Exception {
        listening();
        RunRecord run = start(MATRIX);
        JobStore.Claim first = claim();
        JobStore.Claim second = claim();
        finish(first, JobState.FAILED);

        assertThat(jobs.get(second.job().id()).cancelRequested())
                .as("the running sibling is asked to stop")
                .isTrue();
        assertThat(heard)
                .filteredOn(t -> t.cause() == Transition.Cause.FAIL_FAST)
                .extracting(t -> t.job().matrixIndex() + " " + t.to())
                .containsExactly("2 CANCELLED"); // the queued leg; the running one ends when its runner stops
        finish(second, JobState.CANCELLED);
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void aNewerRunOfAConcurrencyGroupCancelsTheRunningOneWithCancelInProgress() throws Exception {
        listening();
        String grouped = """
                on: push
                concurrency: {group: deploy, cancel-in-progress: true}
                jobs:
                  ship: {runs-on: linux, steps: [{run: ship}]}
                """;
        RunRecord older = start(grouped);
        JobStore.Claim shipping = claim();
        clock.advance(Duration.ofMinutes(1));

        RunRecord newer = start(grouped);

        assertThat(newer.state()).as("waits for the group").isEqualTo(JobState.QUEUED);
        assertThat(jobsOf(newer)).isEmpty();
        assertThat(jobs.get(shipping.job().id()).cancelRequested()).isTrue();
        finish(shipping, JobState.CANCELLED);
        assertThat(runs.get(older.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobsOf(runs.get(newer.id()))).containsExactly("ship=queued");
        assertThat(runs.get(newer.id()).state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void aBrokenWorkflowOrWrongInputsAreRejectedBeforeAnythingIsStored() {
        assertThatThrownBy(() -> start("on: push\njobs:\n  a: {runs-on: linux, steps: [{run: x}], needs: nope}\n"))
                .isInstanceOf(RunStarter.Rejected.class)
                .hasMessageStartingWith("the workflow has errors:")
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> starter.start("ci.yml", CHAIN, null, null, null, "release", Map.of(), RunOptions.NONE))
                .isInstanceOf(RunStarter.Rejected.class)
                .hasMessageContaining("not triggered by 'release'");
        assertThat(runs.list(10)).isEmpty();
    }

    @Test
    void theSchedulersCancelsWakeWhoeverFollowsTheJob() throws Exception {
        // issue 18: the scheduler once signalled a Wakeups of its own that nobody waited on
        Wakeups jobEvents = new Wakeups();
        transitions.listen(new LogFollowerWakeup(jobEvents));
        listening();
        RunRecord run = start(CHAIN);
        String build = job(run, "build").id();
        CompletableFuture<Void> follower = jobEvents.ticket(build); // a log follower waiting on the queued job
        assertThat(follower).isNotDone();
        scheduler.cancel(run.id());
        assertThat(follower)
                .as("woken by the run's cancel, not by its 1 s re-check")
                .isDone();
    }

    @Test
    void everyJobTheSchedulerEndsReachesTheListeners() throws Exception {
        List<Transition> second = new CopyOnWriteArrayList<>();
        TransitionListener counter = second::add;
        transitions.listen(counter);
        listening();
        RunRecord run = start(MATRIX);
        scheduler.cancel(run.id());
        assertThat(second).as("heard by every listener, not only the first").isEqualTo(heard);
        assertThat(heard).filteredOn(Transition::finished).hasSize(3);
    }

    static final String DIAMOND = """
            on: push
            jobs:
              build:
                runs-on: linux
                outputs: {version: "${{ steps.v.outputs.version }}"}
                steps: [{id: v, run: make}]
              lint: {runs-on: linux, steps: [{run: make lint}]}
              test: {runs-on: linux, needs: build, steps: [{run: make test}]}
              deploy:
                runs-on: linux
                needs: [build, lint]
                steps: [{run: "echo ${{ needs.build.outputs.version }} ${{ github.run_attempt }}"}]
            """;

    /** Claims the queued job of {@code key} (there must be exactly one queued job) and finishes it. */
    void finishOnly(RunRecord run, String key, JobState result, String outputsJson) {
        JobStore.Claim c = claim();
        assertThat(c).as("a queued job for %s", key).isNotNull();
        assertThat(c.job().jobKey()).isEqualTo(key);
        assertThat(jobs.complete(
                        c.job().id(),
                        c.job().attempt(),
                        new JobStore.Completion(
                                result, null, "[]", outputsJson, null, dev.runway.protocol.ResourceUsage.UNKNOWN, 0),
                        clock.millis()))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
    }

    /**
     * Re-running a failed run's failed jobs runs the failed job and what needs it, and keeps the rest as they were,
     * outputs included: the re-run deploy sees the version the first attempt's build made, and the run's attempt.
     */
    @Test
    void reRunningFailedJobsRunsThemAndTheirDependentsWithTheOthersOutputsKept() throws Exception {
        listening();
        RunRecord run = start(DIAMOND);
        finishOnly(run, "build", JobState.SUCCEEDED, "{\"version\":\"1.2.3\"}");
        finishOnly(run, "lint", JobState.FAILED, null);
        finishOnly(run, "test", JobState.SUCCEEDED, null);
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "lint=failed", "test=succeeded", "deploy=skipped");
        JobRecord firstBuild = job(run, "build");

        RunRecord again = scheduler.rerun(run.id(), new RunScheduler.Rerun.Failed());
        assertThat(again.attempt()).isEqualTo(2);
        assertThat(again.state()).isEqualTo(JobState.RUNNING);
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "test=succeeded", "lint=queued");
        assertThat(job(run, "build").carriedFrom()).isEqualTo(firstBuild.id());
        assertThat(job(run, "build").outputsJson()).isEqualTo(firstBuild.outputsJson());
        assertThat(job(run, "lint").runAttempt()).isEqualTo(2);
        assertThat(job(run, "lint").carriedFrom()).isNull();

        finishOnly(run, "lint", JobState.SUCCEEDED, null);
        JobStore.Claim deploy = claim();
        assertThat(deploy.job().jobKey()).isEqualTo("deploy");
        assertThat(deploy.job().specJson())
                .as("the kept build's outputs and the run's attempt reach the re-run job")
                .contains("\"run_attempt\":\"2\"")
                .contains("\"needs\":{\"build\":{\"result\":\"success\",\"outputs\":{\"version\":\"1.2.3\"}}");
        finish(deploy, JobState.SUCCEEDED);
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.ofRunAttempt(run.id(), 1).stream()
                        .map(j -> j.jobKey() + "=" + j.state().wireName()))
                .as("the first attempt's jobs stay as they were")
                .containsExactly("build=succeeded", "lint=failed", "test=succeeded", "deploy=skipped");
    }

    /** One job re-run: it and every job that needs it, directly or not; the rest carried over. */
    @Test
    void reRunningOneJobRunsItAndEverythingDownstreamOfIt() throws Exception {
        listening();
        RunRecord run = start(DIAMOND);
        finishOnly(run, "build", JobState.SUCCEEDED, "{\"version\":\"1\"}");
        finishOnly(run, "lint", JobState.SUCCEEDED, null);
        finishOnly(run, "test", JobState.SUCCEEDED, null);
        finishOnly(run, "deploy", JobState.SUCCEEDED, null);
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.SUCCEEDED);

        scheduler.rerun(run.id(), new RunScheduler.Rerun.OneJob("build"));
        assertThat(jobsOf(run)).containsExactly("lint=succeeded", "build=queued");
        finishOnly(run, "build", JobState.SUCCEEDED, "{\"version\":\"2\"}");
        assertThat(jobsOf(run)).containsExactly("lint=succeeded", "build=succeeded", "test=queued", "deploy=queued");
        JobStore.Claim next = claim();
        JobStore.Claim last = claim();
        JobStore.Claim deploy = next.job().jobKey().equals("deploy") ? next : last;
        assertThat(deploy.job().specJson())
                .contains("\"run_attempt\":\"2\"")
                .contains("\"build\":{\"result\":\"success\",\"outputs\":{\"version\":\"2\"}}");
        finish(next, JobState.SUCCEEDED);
        finish(last, JobState.SUCCEEDED);
        assertThat(runs.get(run.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(runs.get(run.id()).attempt()).isEqualTo(2);

        scheduler.rerun(run.id(), new RunScheduler.Rerun.All());
        assertThat(runs.get(run.id()).attempt()).isEqualTo(3);
        assertThat(jobsOf(run)).as("all again: nothing carried").containsExactly("build=queued", "lint=queued");
    }

    @Test
    void aReRunIsRefusedWhileTheRunRunsWhenNothingFailedAndForAJobTheWorkflowLacks() throws Exception {
        listening();
        RunRecord run = start(CHAIN);
        assertThatThrownBy(() -> scheduler.rerun(run.id(), new RunScheduler.Rerun.All()))
                .isInstanceOf(RunScheduler.RerunRefused.class)
                .hasMessageContaining("is still running");
        finishOnly(run, "build", JobState.SUCCEEDED, null);
        finishOnly(run, "test", JobState.SUCCEEDED, null);
        assertThatThrownBy(() -> scheduler.rerun(run.id(), new RunScheduler.Rerun.Failed()))
                .isInstanceOf(RunScheduler.RerunRefused.class)
                .hasMessageContaining("no failed job");
        assertThatThrownBy(() -> scheduler.rerun(run.id(), new RunScheduler.Rerun.OneJob("deploy")))
                .isInstanceOfSatisfying(
                        RunScheduler.RerunRefused.class,
                        e -> assertThat(e.badRequest()).isTrue())
                .hasMessageContaining("no job 'deploy' (its jobs: build, test)");
        assertThat(runs.get(run.id()).attempt()).as("nothing changed").isEqualTo(1);
        assertThat(jobsOf(run)).containsExactly("build=succeeded", "test=succeeded");
    }
}
