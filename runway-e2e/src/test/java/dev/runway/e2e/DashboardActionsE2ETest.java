package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static dev.runway.e2e.WorkflowRunsE2ETest.git;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.EnvironmentView;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunList;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard's actions and filters in a real headless browser, against a control plane and two agents as
 * processes running real jobs: an operator cancels a running run (and the job's shell really stops), sees the API's
 * 409 when a cancel comes too late, re-runs a failed run's failed jobs, one job and the whole run, reads an earlier
 * attempt; a viewer sees no buttons; the filters narrow the run and job lists. Evidence of what ran is written by
 * the jobs themselves into this test's directory. Screenshots go to {@code target/screenshots/actions-*.png}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardActionsE2ETest {
    static final Duration JOB = Duration.ofSeconds(60);
    static final String LINUX_AGENT = "act-linux";
    static final String GPU_AGENT = "act-gpu";

    @TempDir
    static Path root;

    static Cluster cluster;
    static DashboardBrowser browser;
    static String operatorToken;
    static String viewerToken;
    static Path evidence;
    static Path app;
    static Path lib;
    static Path ops;
    static String reviewerToken;
    static RunView spin;
    static RunView flaky;
    static String firstBuildId;

    @BeforeAll
    static void start() throws Exception {
        DashboardBrowser.assumeInstalled();
        evidence = Files.createDirectories(root.resolve("evidence"));
        app = repo(
                "app",
                Map.of(
                        ".github/workflows/spin.yml",
                        """
                name: spin
                on: push
                jobs:
                  spin:
                    runs-on: linux
                    steps:
                      - run: |
                          echo $$ > %1$s/spin.pid
                          while true; do date +%%s%%N >> %1$s/spin.ticks; sleep 0.1; done
                """.formatted(evidence),
                        ".github/workflows/flaky.yml",
                        """
                name: flaky
                on: push
                jobs:
                  build:
                    runs-on: linux
                    steps:
                      - run: |
                          echo "built on attempt $GITHUB_RUN_ATTEMPT"
                          echo "build $GITHUB_RUN_ATTEMPT" >> %1$s/build.runs
                  flaky:
                    runs-on: linux
                    needs: build
                    steps:
                      - run: |
                          echo "flaky on attempt $GITHUB_RUN_ATTEMPT"
                          test -f %1$s/fixed
                """.formatted(evidence)));
        git(app, "checkout", "-q", "-b", "feature");
        Files.writeString(app.resolve(".github/workflows/feature.yml"), """
                name: feature-ci
                on: push
                jobs:
                  feature-test:
                    runs-on: linux
                    steps:
                      - run: echo "not yet"; exit 1
                """);
        git(app, "add", "-A");
        git(app, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "feature");
        git(app, "checkout", "-q", "main");
        lib = repo("lib", Map.of(".github/workflows/ci.yml", """
                name: lib-ci
                on: push
                jobs:
                  gpu-check:
                    runs-on: gpu
                    steps:
                      - run: echo "on the gpu"
                  lint:
                    runs-on: linux
                    steps:
                      - run: echo linted
                """));

        ops = repo(
                "ops",
                Map.of(
                        ".github/workflows/deploy.yml",
                        """
                name: deploy
                on: push
                jobs:
                  ship:
                    runs-on: linux
                    environment: production
                    steps:
                      - run: echo "shipped by $GITHUB_RUN_ID" >> %1$s/shipped
                """.formatted(evidence),
                        ".github/workflows/release.yml",
                        """
                name: release
                on:
                  workflow_dispatch:
                    inputs:
                      target:
                        description: where to release
                        type: choice
                        options: [staging, production]
                        default: staging
                      dry_run:
                        type: boolean
                        default: true
                      note:
                        type: string
                        required: true
                      count:
                        type: number
                        default: 3
                jobs:
                  release:
                    runs-on: linux
                    steps:
                      - run: |
                          echo "release target=${{ inputs.target }} dry_run=${{ inputs.dry_run }} note=${{ inputs.note }} count=${{ inputs.count }}"
                          echo "${{ inputs.target }} ${{ inputs.dry_run }} ${{ inputs.note }}" > %1$s/released
                """.formatted(evidence),
                        ".github/workflows/stepwise.yml",
                        """
                name: stepwise
                on: push
                jobs:
                  stepwise:
                    runs-on: linux
                    steps:
                      - name: prepare
                        run: echo prepared
                      - name: wait for go
                        run: while [ ! -f %1$s/go ]; do sleep 0.1; done
                      - name: finish
                        run: echo finished
                """.formatted(evidence)));

        cluster = new Cluster(root).start();
        cluster.startAgent(LINUX_AGENT, "linux", "--slots", "3");
        cluster.startAgent(GPU_AGENT, "gpu", "--slots", "1");
        operatorToken = token("operator");
        viewerToken = token("viewer");
        reviewerToken = token("viewer", "alice");
        browser = new DashboardBrowser(cluster.url(), "actions-");
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (cluster != null) cluster.close();
    }

    static Path repo(String name, Map<String, String> files) throws Exception {
        Path repo = Files.createDirectories(root.resolve(name));
        git(repo, "init", "-q", "-b", "main");
        for (var f : files.entrySet()) {
            Path p = repo.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        git(repo, "add", "-A");
        git(repo, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "workflows");
        return repo;
    }

    static String token(String role) {
        return token(role, "dashboard " + role);
    }

    static String token(String role, String name) {
        return cluster.api()
                .read(
                        cluster.api()
                                .json(
                                        "POST",
                                        ApiPaths.API_TOKENS,
                                        cluster.adminToken(),
                                        new ApiTokenView.CreateRequest(role, "1d", name)),
                        201,
                        ApiTokenView.class)
                .token();
    }

    static RunView startRun(Path repo, String ref, String workflow) {
        return cluster.api().startRun(new RunRequest(repo.toString(), ref, workflow, null, null, Map.of()));
    }

    static RunView awaitRun(String id, JobState state) {
        await("run " + id + " " + state)
                .atMost(JOB)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    RunView r = cluster.api().run(id);
                    if (r.state().isTerminal() && r.state() != state)
                        throw new AssertionError(
                                "run ended " + r.state() + " (" + r.reason() + ")\n" + cluster.outputs());
                    return r.state() == state;
                });
        return cluster.api().run(id);
    }

    static Map<String, JobView> byKey(RunView r) {
        return r.jobs().stream().collect(Collectors.toMap(JobView::key, Function.identity()));
    }

    static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Every queue wait the page shows is a duration of zero or more (it once showed −39 ms). */
    static void queueWaitsAreNotNegative() {
        List<String> waits = browser.texts("td.queue-wait");
        assertThat(waits).isNotEmpty();
        assertThat(waits)
                .allSatisfy(w -> assertThat(w).matches("–|\\d+ ms|\\d+\\.\\d s|\\d+ min \\d+ s|\\d+ h \\d+ min"));
    }

    static void awaitRunPage(String what, String h2Part) {
        browser.awaitUi(what, () -> assertThat(browser.text("main h2")).contains(h2Part));
    }

    // ---------- operator ----------

    @Test
    @Order(1)
    void anOperatorTokenSignsInAndTheHeaderNamesItsRole() {
        browser.signIn(operatorToken, "operator");
        assertThat(browser.text("#whoami")).isEqualTo("operator · dashboard operator");
    }

    @Test
    @Order(2)
    void anOperatorCancelsARunningRunAndTheJobsProcessStops() throws Exception {
        Path ticks = evidence.resolve("spin.ticks");
        Path pidFile = evidence.resolve("spin.pid");
        spin = startRun(app, null, ".github/workflows/spin.yml");
        await("the spin job writes ticks")
                .atMost(JOB)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> size(ticks) > 0 && size(pidFile) > 0);
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        long before = size(ticks);
        await("and keeps writing them")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> size(ticks) > before);

        browser.open("#/debug/run/" + spin.id());
        awaitRunPage("the running run's page", "running");
        browser.awaitUi("its cancel button, no re-run buttons", () -> {
            assertThat(browser.displayed("#run-cancel")).isTrue();
            assertThat(browser.displayed("#run-rerun-all")).isFalse();
            assertThat(browser.texts("#run-jobs tr[data-key=spin] .job-cancel")).containsExactly("Cancel job");
        });
        browser.screenshot("run-running");
        browser.click("#run-cancel");
        browser.awaitUi("the page asks first", () -> {
            assertThat(browser.displayed("#confirm")).isTrue();
            assertThat(browser.text("#confirm-text")).contains("Cancel run #" + spin.number() + " spin?");
        });
        browser.screenshot("confirm-cancel-run");
        assertThat(cluster.api().run(spin.id()).state())
                .as("nothing is cancelled before the person confirms")
                .isEqualTo(JobState.RUNNING);
        browser.click("#confirm-ok");
        browser.awaitUi("the cancel is reported", () -> {
            assertThat(browser.displayed("#confirm")).isFalse();
            assertThat(browser.text("#notice.ok #notice-text")).contains("Run #" + spin.number() + " cancelled");
        });

        awaitRun(spin.id(), JobState.CANCELLED);
        await("the job's shell (pid " + pid + ") has ended")
                .atMost(JOB)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
        long stopped = size(ticks);
        await("the ticks file stops growing")
                .during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> size(ticks) == stopped);
        assertThat(cluster.api().run(spin.id()).jobs())
                .singleElement()
                .satisfies(j -> assertThat(j.state()).isEqualTo(JobState.CANCELLED));
        browser.awaitUi("the page refreshed to the cancelled run", () -> {
            assertThat(browser.text("main h2")).contains("cancelled");
            assertThat(browser.displayed("#run-cancel")).isFalse();
            assertThat(browser.displayed("#run-rerun-all")).isTrue();
            assertThat(browser.text("#run-jobs tr[data-key=spin] .state")).isEqualTo("cancelled");
        });
        browser.screenshot("run-cancelled");
    }

    @Test
    @Order(3)
    void aCancelThatComesTooLateShowsTheApisAnswer() throws IOException {
        JobView stuck = cluster.api()
                .submit(aJob("waits-for-nobody")
                        .labels("no-runner-has-this")
                        .step("s", "true")
                        .build());
        browser.open("#/debug/job/" + stuck.id());
        browser.awaitUi("the queued job and why it waits", () -> {
            assertThat(browser.text("#job-name")).isEqualTo("waits-for-nobody");
            assertThat(browser.text("#job-waiting")).contains("no-runner-has-this");
        });
        browser.click("#job-cancel");
        browser.awaitUi(
                "the page asks first",
                () -> assertThat(browser.text("#confirm-text")).contains("Cancel job \"waits-for-nobody\"?"));
        cluster.api().cancel(stuck.id()); // someone else was quicker
        browser.click("#confirm-ok");
        browser.awaitUi(
                "the API's refusal is shown",
                () -> assertThat(browser.text("#notice.error #notice-text"))
                        .contains("Cancel job failed")
                        .contains("job " + stuck.id() + " already finished (cancelled)")
                        .contains("HTTP 409"));
        browser.awaitUi("and the view refreshed", () -> {
            assertThat(browser.text("#job-head .state")).isEqualTo("cancelled");
            assertThat(browser.displayed("#job-cancel")).isFalse();
        });
        browser.screenshot("cancel-refused");
    }

    @Test
    @Order(4)
    void anOperatorReRunsTheFailedJobsAndTheNewAttemptSucceeds() throws IOException {
        flaky = startRun(app, null, ".github/workflows/flaky.yml");
        RunView failed = awaitRun(flaky.id(), JobState.FAILED);
        firstBuildId = byKey(failed).get("build").id();
        String firstFlakyId = byKey(failed).get("flaky").id();

        browser.open("#/debug/run/" + flaky.id());
        awaitRunPage("the failed run's page", "failed");
        browser.awaitUi("re-run buttons, no cancel", () -> {
            assertThat(browser.displayed("#run-rerun-failed")).isTrue();
            assertThat(browser.displayed("#run-rerun-all")).isTrue();
            assertThat(browser.displayed("#run-cancel")).isFalse();
            assertThat(browser.texts("#run-jobs .job-rerun")).containsExactly("Re-run", "Re-run");
            assertThat(browser.displayed("#run-attempts"))
                    .as("one attempt: no attempt list")
                    .isFalse();
        });
        queueWaitsAreNotNegative();
        browser.screenshot("run-failed");

        Files.writeString(evidence.resolve("fixed"), "fixed");
        browser.click("#run-rerun-failed");
        browser.awaitUi(
                "the page asks first",
                () -> assertThat(browser.text("#confirm-text"))
                        .contains("Run the failed jobs of run #" + flaky.number())
                        .contains("as attempt 2"));
        browser.screenshot("confirm-rerun-failed");
        browser.click("#confirm-ok");
        browser.awaitUi(
                "the new attempt is reported",
                () -> assertThat(browser.text("#notice.ok #notice-text"))
                        .isEqualTo("Run #" + flaky.number() + ": attempt 2 started (failed jobs)."));

        RunView second = awaitRun(flaky.id(), JobState.SUCCEEDED);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(Files.readString(evidence.resolve("build.runs")))
                .as("the job that had succeeded was kept, not run again")
                .isEqualTo("build 1\n");
        assertThat(byKey(second).get("build").carriedFrom()).isEqualTo(firstBuildId);
        assertThat(cluster.api().logs(byKey(second).get("flaky").id())).contains("flaky on attempt 2");

        browser.awaitUi("the page shows attempt 2", () -> {
            assertThat(browser.text("main h2")).contains("succeeded");
            assertThat(browser.text("#run-attempt")).isEqualTo("attempt 2 of 2");
            assertThat(browser.texts("#run-attempts .attempt")).containsExactly("Attempt 1", "Attempt 2 (latest)");
            assertThat(browser.text("#run-jobs tr[data-key=build] .run-attempt"))
                    .isEqualTo("kept from an earlier attempt");
            assertThat(browser.attributes("#run-jobs tr[data-key=build] .run-attempt a", "href"))
                    .singleElement()
                    .asString()
                    .endsWith("#/debug/job/" + firstBuildId);
            assertThat(browser.text("#run-jobs tr[data-key=flaky] .run-attempt"))
                    .isEqualTo("2");
            assertThat(browser.displayed("#run-rerun-failed"))
                    .as("nothing failed")
                    .isFalse();
        });
        queueWaitsAreNotNegative();
        browser.screenshot("run-attempt-2");

        browser.click("#run-attempts a[data-attempt='1']");
        browser.awaitUi("the earlier attempt, as it ended", () -> {
            assertThat(browser.hash()).isEqualTo("#/debug/run/" + flaky.id() + "?attempt=1");
            assertThat(browser.text("#run-attempt")).isEqualTo("attempt 1 of 2");
            assertThat(browser.text("#run-earlier")).contains("latest: attempt 2, succeeded");
            assertThat(browser.text("#run-jobs tr[data-key=flaky] .state")).isEqualTo("failed");
            assertThat(browser.attributes("#run-jobs tr[data-key=flaky] td:first-child a", "href"))
                    .singleElement()
                    .asString()
                    .endsWith("#/debug/job/" + firstFlakyId);
        });
        browser.screenshot("run-attempt-1");

        browser.open("#/debug/job/" + byKey(second).get("build").id());
        browser.awaitUi("the kept job's page reads the earlier attempt's log", () -> {
            assertThat(browser.text("#job-carried")).contains(firstBuildId);
            assertThat(browser.texts("#log .log-line .lt")).contains("built on attempt 1");
        });
        browser.screenshot("job-kept");
    }

    @Test
    @Order(5)
    void anOperatorReRunsOneJobFromItsPageAndThenTheWholeRun() throws IOException {
        RunView second = cluster.api().run(flaky.id());
        browser.open("#/debug/job/" + byKey(second).get("build").id());
        browser.click("#job-rerun");
        browser.awaitUi(
                "the page asks first",
                () -> assertThat(browser.text("#confirm-text"))
                        .contains("Re-run job \"build\" of run #" + flaky.number()));
        browser.click("#confirm-ok");
        browser.awaitUi("the run's page with attempt 3", () -> {
            assertThat(browser.hash()).isEqualTo("#/debug/run/" + flaky.id());
            assertThat(browser.text("#notice.ok #notice-text"))
                    .isEqualTo("Run #" + flaky.number() + ": attempt 3 started (job build).");
        });
        RunView third = awaitRun(flaky.id(), JobState.SUCCEEDED);
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(Files.readString(evidence.resolve("build.runs")))
                .as("build ran again, and flaky, which needs it")
                .isEqualTo("build 1\nbuild 3\n");
        assertThat(third.jobs()).allSatisfy(j -> assertThat(j.carriedFrom()).isNull());

        browser.awaitUi("attempt 3 finished on the page", () -> {
            assertThat(browser.text("#run-attempt")).isEqualTo("attempt 3 of 3");
            assertThat(browser.text("main h2")).contains("succeeded");
        });
        browser.click("#run-rerun-all");
        browser.awaitUi(
                "the page asks first",
                () -> assertThat(browser.text("#confirm-text"))
                        .contains("Run every job of run #" + flaky.number() + " again, as attempt 4?"));
        browser.click("#confirm-ok");
        await("attempt 4")
                .atMost(JOB)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.api().run(flaky.id()).attempt() == 4);
        RunView fourth = awaitRun(flaky.id(), JobState.SUCCEEDED);
        assertThat(fourth.jobs()).hasSize(2);
        assertThat(Files.readString(evidence.resolve("build.runs"))).isEqualTo("build 1\nbuild 3\nbuild 4\n");
        browser.awaitUi(
                "four attempts listed",
                () -> assertThat(browser.texts("#run-attempts .attempt"))
                        .containsExactly("Attempt 1", "Attempt 2", "Attempt 3", "Attempt 4 (latest)"));
        browser.screenshot("run-attempt-4");
    }

    // ---------- filters ----------

    static void filter(String name, String visibleText) {
        browser.awaitUi(
                "the " + name + " filter offers " + visibleText,
                () -> new Select(browser.driver.findElement(By.id("filter-" + name))).selectByVisibleText(visibleText));
    }

    static List<String> shownRuns() {
        return browser.attributes("#debug-runs .run-row", "data-run");
    }

    static List<String> shownJobs() {
        return browser.texts("#debug-jobs .job-row td:first-child");
    }

    @Test
    @Order(6)
    void filtersNarrowTheRunAndJobLists() throws IOException {
        RunView libRun = startRun(lib, null, ".github/workflows/ci.yml");
        RunView featureRun = startRun(app, "feature", ".github/workflows/feature.yml");
        awaitRun(libRun.id(), JobState.SUCCEEDED);
        awaitRun(featureRun.id(), JobState.FAILED);
        assertThat(featureRun.ref()).isEqualTo("refs/heads/feature");

        browser.open("#/debug");
        browser.awaitUi("every run and job", () -> {
            assertThat(shownRuns()).containsExactlyInAnyOrder(spin.id(), flaky.id(), libRun.id(), featureRun.id());
            assertThat(shownJobs()).contains("gpu-check", "lint", "feature-test", "spin", "waits-for-nobody");
        });
        queueWaitsAreNotNegative();

        filter("state", "failed");
        browser.awaitUi("failed runs and jobs", () -> {
            assertThat(browser.hash()).isEqualTo("#/debug?state=failed");
            assertThat(shownRuns()).containsExactly(featureRun.id());
            assertThat(shownJobs()).containsExactlyInAnyOrder("feature-test", "flaky");
            assertThat(browser.text("#debug-runs h3")).isEqualToIgnoringCase("Runs (1 of the latest 4)");
        });
        browser.screenshot("debug-filter-failed");

        filter("repo", lib.toString());
        browser.awaitUi("nothing failed in lib", () -> {
            assertThat(shownRuns()).isEmpty();
            assertThat(browser.text("#debug-runs .empty")).isEqualTo("No run matches these filters.");
            assertThat(browser.text("#debug-jobs .empty")).isEqualTo("No job matches these filters.");
        });
        filter("state", "any");
        browser.awaitUi("lib's run and jobs", () -> {
            assertThat(browser.hash()).isEqualTo("#/debug?repo=" + URLEncoder.encode(lib.toString(), UTF_8));
            assertThat(shownRuns()).containsExactly(libRun.id());
            assertThat(shownJobs()).containsExactlyInAnyOrder("gpu-check", "lint");
        });

        browser.click("#filter-clear");
        browser.awaitUi("no filter", () -> assertThat(shownRuns()).hasSize(4));
        filter("branch", "feature");
        browser.awaitUi("the feature branch", () -> {
            assertThat(shownRuns()).containsExactly(featureRun.id());
            assertThat(shownJobs()).containsExactly("feature-test");
        });

        browser.click("#filter-clear");
        filter("label", "gpu");
        browser.awaitUi("jobs for gpu runners, and their runs", () -> {
            assertThat(shownJobs()).containsExactly("gpu-check");
            assertThat(shownRuns()).containsExactly(libRun.id());
        });
        browser.screenshot("debug-filter-label");

        browser.click("#filter-clear");
        filter("runner", GPU_AGENT);
        browser.awaitUi("what ran on the gpu agent", () -> {
            assertThat(shownJobs()).containsExactly("gpu-check");
            assertThat(shownRuns()).containsExactly(libRun.id());
            assertThat(browser.texts("#debug-jobs .job-row td:nth-child(3)")).containsOnly(GPU_AGENT);
        });
        filter("runner", LINUX_AGENT);
        browser.awaitUi("what ran on the linux agent", () -> {
            assertThat(shownJobs()).contains("lint", "feature-test", "spin").doesNotContain("gpu-check");
            assertThat(shownRuns()).containsExactlyInAnyOrder(spin.id(), flaky.id(), libRun.id(), featureRun.id());
        });
        browser.screenshot("debug-filter-runner");
    }

    // ---------- viewer ----------

    @Test
    @Order(7)
    void aViewerSeesNoActionButtonsAndTheApiRefusesItAnyway() throws IOException {
        JobView queued = cluster.api()
                .submit(aJob("queued-for-the-viewer")
                        .labels("no-runner-has-this")
                        .step("s", "true")
                        .build());
        browser.signIn(viewerToken, "viewer");

        browser.open("#/debug/run/" + flaky.id());
        browser.awaitUi("the finished run, fully drawn", () -> {
            assertThat(browser.text("main h2")).contains("succeeded");
            assertThat(browser.texts("#run-jobs .job-row")).hasSize(2);
            assertThat(browser.texts("#run-attempts .attempt")).hasSize(4);
        });
        assertThat(browser.driver.findElements(By.cssSelector("button.action, #run-actions")))
                .as("an operator saw re-run buttons here; a viewer sees none")
                .isEmpty();
        browser.screenshot("viewer-run");

        browser.open("#/debug/job/" + queued.id());
        browser.awaitUi(
                "the queued job",
                () -> assertThat(browser.text("#job-head .state")).isEqualTo("queued"));
        assertThat(browser.driver.findElements(By.cssSelector("button.action, #job-actions")))
                .isEmpty();

        browser.open("#/debug");
        browser.awaitUi(
                "the job list with the queued job",
                () -> assertThat(shownJobs()).contains("queued-for-the-viewer"));
        assertThat(browser.driver.findElements(By.cssSelector("button.action"))).isEmpty();
        assertThat(browser.displayed("#filters")).as("a viewer filters too").isTrue();

        Api.Response refused =
                cluster.api().json("POST", ApiPaths.withId(ApiPaths.RUN_RERUN, flaky.id()), viewerToken, Map.of());
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("needs the operator role");
        cluster.api().cancel(queued.id());
    }

    // ---------- deployments, Run workflow, live steps ----------

    static EnvironmentView.Deployment deployment(String runId) {
        List<EnvironmentView.Deployment> all = cluster.api()
                .read(
                        cluster.api()
                                .json(
                                        "GET",
                                        ApiPaths.withId(ApiPaths.RUN_DEPLOYMENTS, runId),
                                        cluster.adminToken(),
                                        null),
                        200,
                        EnvironmentView.DeploymentList.class)
                .deployments();
        return all.isEmpty() ? null : all.getFirst();
    }

    static EnvironmentView.Deployment awaitDeployment(String runId, String state) {
        await("run " + runId + "'s deployment " + state)
                .atMost(JOB)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    EnvironmentView.Deployment d = deployment(runId);
                    return d != null && d.state().equals(state);
                });
        return deployment(runId);
    }

    static String deploymentRow(String env) {
        return "#run-deployments .deployment[data-env='" + env + "']";
    }

    @Test
    @Order(8)
    void aReviewerApprovesADeploymentOnTheRunsPageAndANonReviewerIsToldWhy() throws IOException {
        cluster.api()
                .read(
                        cluster.api()
                                .json(
                                        "PUT",
                                        ApiPaths.withIdAndName(ApiPaths.ENVIRONMENT, "", "production"),
                                        cluster.adminToken(),
                                        new EnvironmentView.SetRequest(List.of("alice"), 0, List.of())),
                        0,
                        EnvironmentView.class);
        RunView run = startRun(ops, null, ".github/workflows/deploy.yml");
        awaitDeployment(run.id(), "waiting");
        Path shipped = evidence.resolve("shipped");

        browser.signIn(operatorToken, "operator");
        browser.open("#/debug/run/" + run.id());
        String row = deploymentRow("production");
        browser.awaitUi("the waiting deployment with its reviewers", () -> {
            assertThat(browser.text(row + " .state")).isEqualTo("waiting");
            assertThat(browser.text(row + " .reviewers")).isEqualTo("Reviewers: alice");
            assertThat(browser.displayed(row + " button.approve")).isTrue();
        });
        browser.driver.findElement(By.cssSelector(row + " textarea")).sendKeys("operator says go");
        browser.click(row + " button.approve");
        browser.awaitUi(
                "the refusal, in words",
                () -> assertThat(browser.text(row + " .deploy-error"))
                        .startsWith("You may not review this deployment")
                        .contains("only the reviewers of environment 'production' (alice)")
                        .contains("you are 'dashboard operator'"));
        browser.screenshot("deployment-not-a-reviewer");
        assertThat(deployment(run.id()).state()).as("still waiting").isEqualTo("waiting");
        assertThat(shipped).doesNotExist();

        browser.signIn(reviewerToken, "viewer");
        browser.open("#/debug/run/" + run.id());
        browser.awaitUi(
                "the reviewer sees the buttons",
                () -> assertThat(browser.displayed(row + " button.approve")).isTrue());
        browser.screenshot("deployment-waiting");
        browser.driver.findElement(By.cssSelector(row + " textarea")).sendKeys("ship it");
        browser.click(row + " button.approve");
        browser.awaitUi("the approval is reported and shown", () -> {
            assertThat(browser.text("#notice.ok #notice-text"))
                    .isEqualTo("Deployment to production approved (run #" + run.number() + ").");
            assertThat(browser.text(row + " .state")).isEqualTo("approved");
            assertThat(browser.text(row + " .decision"))
                    .contains("Approved by alice")
                    .contains("ship it");
            assertThat(browser.displayed(row + " button.approve")).isFalse();
        });
        EnvironmentView.Deployment approved = deployment(run.id());
        assertThat(approved.state()).isEqualTo("approved");
        assertThat(approved.decidedBy()).isEqualTo("alice");
        assertThat(approved.comment()).isEqualTo("ship it");
        awaitRun(run.id(), JobState.SUCCEEDED);
        assertThat(Files.readString(shipped)).isEqualTo("shipped by " + run.id() + "\n");
        browser.awaitUi(
                "the run succeeded on the page",
                () -> assertThat(browser.text("main h2")).contains("succeeded"));
        browser.screenshot("deployment-approved");
        assertThat(browser.cspViolations())
                .as("the page keeps to its Content-Security-Policy")
                .isEmpty();

        RunView second = startRun(ops, null, ".github/workflows/deploy.yml");
        awaitDeployment(second.id(), "waiting");
        browser.open("#/debug/run/" + second.id());
        browser.awaitUi(
                "the second run's waiting deployment",
                () -> assertThat(browser.displayed(row + " button.reject")).isTrue());
        browser.driver.findElement(By.cssSelector(row + " textarea")).sendKeys("not on a Friday");
        browser.click(row + " button.reject");
        browser.awaitUi("the rejection is shown", () -> {
            assertThat(browser.text(row + " .state")).isEqualTo("rejected");
            assertThat(browser.text(row + " .decision"))
                    .contains("Rejected by alice")
                    .contains("not on a Friday");
        });
        assertThat(deployment(second.id()).state()).isEqualTo("rejected");
        awaitRun(second.id(), JobState.FAILED);
        assertThat(Files.readString(shipped))
                .as("the rejected run shipped nothing")
                .isEqualTo("shipped by " + run.id() + "\n");
    }

    static List<RunView> runs() {
        return cluster.api()
                .read(
                        cluster.api().json("GET", ApiPaths.RUNS + "?limit=1000", cluster.adminToken(), null),
                        200,
                        RunList.class)
                .runs();
    }

    static List<String> options(String css) {
        return browser.driver.findElements(By.cssSelector(css + " option")).stream()
                .map(e -> e.getText())
                .toList();
    }

    @Test
    @Order(9)
    void theRunWorkflowFormStartsADispatchRunWithTheTypedInputs() throws IOException {
        browser.signIn(operatorToken, "operator");
        assertThat(browser.displayed("#nav-dispatch"))
                .as("operators see Run workflow")
                .isTrue();
        browser.open("#/dispatch?repo=" + URLEncoder.encode(ops.toString(), UTF_8) + "&workflow="
                + URLEncoder.encode(".github/workflows/release.yml", UTF_8));
        browser.awaitUi("the form with the workflow's inputs", () -> {
            assertThat(options("#dispatch-workflow"))
                    .contains(
                            "release — .github/workflows/release.yml",
                            "deploy — .github/workflows/deploy.yml (no workflow_dispatch trigger)");
            assertThat(browser.attributes("#dispatch-workflow", "value"))
                    .containsExactly(".github/workflows/release.yml");
            assertThat(browser.attributes("#dispatch-inputs .input-row", "data-input"))
                    .containsExactly("target", "dry_run", "note", "count");
            assertThat(options("#input-target")).containsExactly("staging", "production");
            assertThat(browser.attributes("#input-target", "value")).containsExactly("staging");
            assertThat(browser.attributes("#input-dry_run", "type")).containsExactly("checkbox");
            assertThat(browser.driver.findElement(By.id("input-dry_run")).isSelected())
                    .isTrue();
            assertThat(browser.attributes("#input-count", "type")).containsExactly("number");
            assertThat(browser.attributes("#input-count", "value")).containsExactly("3");
            assertThat(browser.text(".input-row[data-input=target] .input-description"))
                    .isEqualTo("where to release");
        });
        browser.screenshot("dispatch-form");
        int runsBefore = runs().size();

        browser.click("#dispatch-run");
        browser.awaitUi("the API's 400 next to the form, naming the input", () -> {
            assertThat(browser.text("#dispatch-error"))
                    .contains("inputs: 'note' is required")
                    .contains("HTTP 400");
            assertThat(browser.attributes(".input-row.invalid", "data-input")).containsExactly("note");
        });
        browser.screenshot("dispatch-error");
        assertThat(runs()).as("no run was started").hasSize(runsBefore);

        new Select(browser.driver.findElement(By.id("input-target"))).selectByVisibleText("production");
        browser.click("#input-dry_run");
        browser.driver.findElement(By.id("input-note")).sendKeys("hello from the form");
        browser.click("#dispatch-run");
        browser.awaitUi("the new run's page", () -> {
            assertThat(browser.hash()).startsWith("#/debug/run/");
            assertThat(browser.text("#notice.ok #notice-text")).contains("release started (workflow_dispatch)");
        });
        String id = browser.hash().substring("#/debug/run/".length());
        RunView run = awaitRun(id, JobState.SUCCEEDED);
        assertThat(run.event()).isEqualTo("workflow_dispatch");
        assertThat(run.workflow()).isEqualTo(".github/workflows/release.yml");
        assertThat(run.inputs())
                .containsEntry("target", "production")
                .containsEntry("dry_run", false)
                .containsEntry("note", "hello from the form")
                .containsEntry("count", 3);
        assertThat(cluster.api().logs(run.jobs().getFirst().id()))
                .contains("release target=production dry_run=false note=hello from the form count=3");
        assertThat(Files.readString(evidence.resolve("released"))).isEqualTo("production false hello from the form\n");
        browser.awaitUi(
                "the run succeeded on the page",
                () -> assertThat(browser.text("main h2")).contains("succeeded"));
        browser.screenshot("dispatch-started");
        assertThat(browser.attributes("#run-dispatch-again", "href"))
                .singleElement()
                .asString()
                .contains("#/dispatch?repo=" + URLEncoder.encode(ops.toString(), UTF_8))
                .contains("workflow=.github%2Fworkflows%2Frelease.yml");
        assertThat(browser.cspViolations())
                .as("the page keeps to its Content-Security-Policy")
                .isEmpty();
    }

    @Test
    @Order(10)
    void aRunningJobsStepsAreShownLiveAsTheyStartAndEnd() throws IOException {
        browser.signIn(viewerToken, "viewer");
        assertThat(browser.displayed("#nav-dispatch"))
                .as("a viewer may not start runs")
                .isFalse();
        RunView run = startRun(ops, null, ".github/workflows/stepwise.yml");
        await("the job runs").atMost(JOB).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<JobView> jobs = cluster.api().run(run.id()).jobs();
            return !jobs.isEmpty() && jobs.getFirst().state() == JobState.RUNNING;
        });
        String jobId = cluster.api().run(run.id()).jobs().getFirst().id();
        browser.open("#/debug/job/" + jobId);
        browser.awaitUi("the first step done, the second running, from the live log", () -> {
            assertThat(browser.texts("#job-steps .step-name")).containsExactly("prepare", "wait for go");
            assertThat(browser.text("#job-steps tr[data-step='prepare'] .state"))
                    .isEqualTo("succeeded");
            assertThat(browser.text("#job-steps tr[data-step='wait for go'] .state"))
                    .isEqualTo("running");
            assertThat(browser.text("#steps-live"))
                    .isEqualTo(
                            "Live from the log: 1 step done, \"wait for go\" running; the runner reports the results when the job ends.");
        });
        browser.screenshot("job-live-steps");
        JobView running = cluster.api().job(jobId);
        assertThat(running.state()).as("the page is ahead of the report").isEqualTo(JobState.RUNNING);
        assertThat(running.steps()).isEmpty();

        Files.writeString(evidence.resolve("go"), "go");
        awaitRun(run.id(), JobState.SUCCEEDED);
        browser.awaitUi("the reported steps once the job ended", () -> {
            assertThat(browser.texts("#job-steps .step-name")).containsExactly("prepare", "wait for go", "finish");
            assertThat(browser.texts("#job-steps .state")).containsExactly("succeeded", "succeeded", "succeeded");
            assertThat(browser.displayed("#steps-live")).isFalse();
        });
        assertThat(cluster.api().job(jobId).steps()).hasSize(3);
        browser.screenshot("job-steps-reported");
        assertThat(browser.cspViolations())
                .as("the page keeps to its Content-Security-Policy")
                .isEmpty();
    }
}
