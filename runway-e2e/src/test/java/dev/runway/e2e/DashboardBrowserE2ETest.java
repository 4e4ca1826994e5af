package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.ApiTokenView;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.protocol.RunnerView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless browser (Debian's chromium through chromedriver): a control plane and an agent as
 * processes, a few jobs (two succeed, one fails, a workflow run of two jobs, one long job that prints a line every
 * 0.3 s), a viewer token typed into the sign-in form, then each view as a person sees it. Screenshots of each view go
 * to {@code runway-e2e/target/screenshots/}. Skipped without chromium and chromedriver, except under CI=true.
 *
 * <p>The executive figures and the on-call failure table come from {@code GET /api/v1/stats}; the CPU, memory and
 * disk figures from the agents' health reports ({@code RunnerView.resources}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserE2ETest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration UI = Duration.ofSeconds(20);
    static final String AGENT = "dash-agent";
    static final String WORKFLOW = """
            name: pipeline
            on: push
            jobs:
              build:
                runs-on: linux
                steps:
                  - run: echo building
              test:
                needs: build
                runs-on: linux
                steps:
                  - run: echo testing
            """;

    @TempDir
    static Path root;

    static Cluster cluster;
    static WebDriver browser;
    static Path screenshots;
    static String viewerToken;
    static JobView compile;
    static JobView failing;
    static RunView run;
    static RunnerView runner;

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI")))
            throw new AssertionError("chromium or chromedriver is missing (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "); under CI=true the dashboard browser test must run");
        assumeTrue(present, "chromium and chromedriver are not installed: dashboard browser test skipped");

        cluster = new Cluster(root).start();
        cluster.startAgent(AGENT, "linux", "--slots", "3");
        runner = cluster.api().runners().runners().getFirst();
        viewerToken = cluster.api()
                .read(
                        cluster.api()
                                .json(
                                        "POST",
                                        ApiPaths.API_TOKENS,
                                        cluster.adminToken(),
                                        new ApiTokenView.CreateRequest("viewer", "1d", "dashboard-test")),
                        0,
                        ApiTokenView.class)
                .token();

        compile = cluster.api()
                .submit(aJob("compile")
                        .step("compile", "echo compiling; echo done")
                        .build());
        failing = cluster.api()
                .submit(aJob("unit-tests")
                        .step("setup", "echo preparing")
                        .step("test", "echo '::error file=src/calc.c,line=3::expected 4 but was 5'; exit 3")
                        .build());
        run = cluster.api().startRun(new RunRequest(null, null, "pipeline.yml", WORKFLOW, null, Map.of()));
        cluster.awaitState(compile.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
        cluster.awaitState(failing.id(), JobState.FAILED, Duration.ofSeconds(30));
        await("run " + run.id() + " succeeded")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.api().run(run.id()).state() == JobState.SUCCEEDED);

        screenshots = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // no Selenium Manager download
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
        browser = new ChromeDriver(
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(CHROMEDRIVER.toFile())
                        .build(),
                options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (cluster != null) cluster.close();
    }

    // ---------- helpers ----------

    static void open(String hash) {
        browser.get(cluster.url() + "/" + hash);
    }

    static String text(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.getFirst().getText();
    }

    static List<String> texts(String css) {
        return browser.findElements(By.cssSelector(css)).stream()
                .map(WebElement::getText)
                .toList();
    }

    /** Log lines a person sees (the search filter hides the others). */
    static List<String> visibleLogLines() {
        return browser.findElements(By.cssSelector("#log .log-line")).stream()
                .filter(WebElement::isDisplayed)
                .map(e -> e.findElement(By.cssSelector(".lt")).getText())
                .toList();
    }

    static void screenshot(String view) throws IOException {
        Files.write(screenshots.resolve(view + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    static void awaitUi(String what, Runnable assertion) {
        // the view re-renders every 5 s: an element found just before that is gone, look again
        await(what)
                .atMost(UI)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .untilAsserted(assertion::run);
    }

    /** Every queue wait the page shows is zero or more: the debug view once showed −39 ms. */
    static void queueWaitsAreNotNegative() {
        List<String> waits = texts("td.queue-wait");
        assertThat(waits).isNotEmpty();
        assertThat(waits)
                .allSatisfy(w -> assertThat(w).matches("–|\\d+ ms|\\d+\\.\\d s|\\d+ min \\d+ s|\\d+ h \\d+ min"));
    }

    // ---------- the views ----------

    @Test
    @Order(1)
    void signInRefusesAWrongTokenAndAcceptsAViewerToken() throws IOException {
        open("#/executive");
        awaitUi(
                "sign-in form",
                () -> assertThat(browser.findElement(By.id("token-input")).isDisplayed())
                        .isTrue());
        browser.findElement(By.id("token-input")).sendKeys("rwa_not-a-real-token");
        browser.findElement(By.id("sign-in")).click();
        awaitUi("refusal shown", () -> assertThat(text("#signin-error")).contains("refused"));
        screenshot("signin");

        browser.findElement(By.id("token-input")).clear();
        browser.findElement(By.id("token-input")).sendKeys(viewerToken);
        browser.findElement(By.id("sign-in")).click();
        awaitUi("signed in", () -> {
            assertThat(browser.findElement(By.id("sign-out")).isDisplayed()).isTrue();
            assertThat(browser.findElement(By.id("signin")).isDisplayed()).isFalse();
            assertThat(text("main h2")).isEqualTo("Executive overview");
            assertThat(text("#whoami")).isEqualTo("viewer · dashboard-test");
        });
    }

    @Test
    @Order(2)
    void theDebugViewFollowsARunningJobsLogAndItsSearchFilters() throws IOException {
        JobView longJob = cluster.api()
                .submit(aJob("long-build")
                        .step("ticks", "for i in $(seq -w 1 25); do echo \"tick $i\"; sleep 0.3; done")
                        .build());
        open("#/debug/job/" + longJob.id());
        awaitUi("job page", () -> assertThat(text("#job-name")).isEqualTo("long-build"));
        awaitUi("first log lines", () -> assertThat(visibleLogLines()).anyMatch(l -> l.startsWith("tick ")));
        int seen = visibleLogLines().size();
        assertThat(cluster.api().job(longJob.id()).state())
                .as("the job is still running while its log grows")
                .isEqualTo(JobState.RUNNING);
        awaitUi(
                "the log grows without a reload",
                () -> assertThat(visibleLogLines()).hasSizeGreaterThan(seen + 2));
        assertThat(browser.findElements(By.cssSelector("#job-cancel, button.action")))
                .as("a viewer gets no cancel button for a running job")
                .isEmpty();
        screenshot("debug-job-live-log");

        awaitUi("tick 07 arrived", () -> assertThat(visibleLogLines()).contains("tick 07"));
        browser.findElement(By.id("log-search")).sendKeys("tick 07");
        awaitUi("search filters", () -> {
            assertThat(visibleLogLines()).containsExactly("tick 07");
            assertThat(texts("#log mark")).containsExactly("tick 07");
            assertThat(text("#log-count")).contains("1 matching");
        });
        screenshot("debug-job-log-search");
        browser.findElement(By.id("log-search")).clear();
        browser.findElement(By.id("log-search")).sendKeys(" "); // an input event; blank means no filter
        awaitUi("filter cleared", () -> assertThat(visibleLogLines()).contains("tick 06", "tick 07"));

        await("long-build finishes")
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(text("#log-status")).contains("job succeeded"));
        awaitUi("all 25 ticks and the step once it finished", () -> {
            assertThat(visibleLogLines()).contains("tick 01", "tick 25");
            assertThat(texts("#job-steps .step-name")).containsExactly("ticks");
        });
    }

    @Test
    @Order(3)
    void theJobPageShowsStepsExitCodesAndAnnotations() throws IOException {
        open("#/debug/job/" + failing.id());
        awaitUi("failed job page", () -> {
            assertThat(text("#job-name")).isEqualTo("unit-tests");
            assertThat(text("#job-head .state")).isEqualTo("failed");
            assertThat(texts("#job-steps .step-name")).containsExactly("setup", "test");
            assertThat(texts("#job-steps tbody tr:nth-child(2) td")).contains("3");
            assertThat(text("#job-reason")).contains("test");
            assertThat(text("#job-annotations"))
                    .contains("expected 4 but was 5")
                    .contains("src/calc.c:3");
            assertThat(text("#job-head")).contains(AGENT);
        });
        awaitUi("its finished log", () -> assertThat(text("#log-status")).contains("job failed"));
        screenshot("debug-job");
    }

    @Test
    @Order(4)
    void theRunPageDrawsTheJobGraph() throws IOException {
        open("#/debug/run/" + run.id());
        awaitUi("job graph", () -> {
            List<WebElement> nodes = browser.findElements(By.cssSelector("#run-graph g.node"));
            assertThat(nodes).extracting(n -> n.getAttribute("data-job")).containsExactly("build", "test");
            assertThat(nodes)
                    .allSatisfy(n -> assertThat(n.getAttribute("class")).contains("succeeded"));
            assertThat(browser.findElements(By.cssSelector("#run-graph path.edge")))
                    .hasSize(1);
            assertThat(text("main h2")).contains("pipeline").contains("succeeded");
            assertThat(texts("#run-jobs .job-row")).hasSize(2);
        });
        assertThat(browser.findElements(By.cssSelector("#run-actions, button.action")))
                .as("a viewer gets no re-run buttons for a finished run")
                .isEmpty();
        queueWaitsAreNotNegative();
        screenshot("debug-run");
        browser.findElements(By.cssSelector("#run-graph g.node")).getLast().click();
        awaitUi("a node opens its job", () -> assertThat(text("#job-name")).isEqualTo("test"));
    }

    @Test
    @Order(5)
    void theRunnerPageShowsItsJobHistoryAndResourceUse() throws IOException {
        open("#/debug");
        awaitUi("debug overview", () -> {
            assertThat(texts("#debug-runs tbody tr")).singleElement().asString().contains("#1 pipeline");
            assertThat(texts("#debug-jobs .job-row td:first-child"))
                    .contains("compile", "unit-tests", "long-build", "build", "test");
        });
        queueWaitsAreNotNegative();
        screenshot("debug");
        open("#/debug/runner/" + runner.id());
        awaitUi("runner page", () -> {
            assertThat(text("#runner-name")).isEqualTo(AGENT);
            assertThat(texts("#runner-jobs .job-row td:first-child"))
                    .contains("compile", "unit-tests", "long-build", "build", "test");
            assertThat(text("#runner-history .value")).isEqualTo("4/5");
        });
        screenshot("debug-runner");
    }

    @Test
    @Order(6)
    void theOnCallViewShowsFailedJobsAndRunnerHealth() throws IOException {
        open("#/oncall");
        awaitUi("failed jobs and runner health", () -> {
            assertThat(texts("#oncall-recent-failed .failed-job"))
                    .singleElement()
                    .satisfies(row -> assertThat(row)
                            .contains("unit-tests")
                            .contains(AGENT)
                            .contains("failed"));
            List<String> rows = texts("#oncall-runners .runner-row");
            assertThat(rows)
                    .singleElement()
                    .satisfies(row -> assertThat(row)
                            .contains(AGENT)
                            .containsPattern("(idle|busy)")
                            .containsPattern("(just now|ago)") // last heartbeat
                            .contains("0/3")); // running jobs of its slots
        });
        screenshot("oncall");
        assertThat(browser.findElements(By.id("oncall-audit")))
                .as("a viewer token does not see the audit log's panel")
                .isEmpty();
    }

    // ---------- host resources, from the agents' health reports ----------

    @Test
    @Order(7)
    void runnerHealthShowsTheHostsCpuMemoryAndDisk() throws IOException {
        open("#/oncall");
        await("the agent's first resource report on the on-call view")
                .atMost(Duration.ofSeconds(40)) // agents report every RunnerHealth.REPORT_SECONDS (15 s)
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(StaleElementReferenceException.class)
                .untilAsserted(() -> assertThat(texts("#oncall-runners .runner-row td:nth-child(4)"))
                        .singleElement()
                        .asString()
                        .matches("\\d+ %"));
        assertThat(texts("#oncall-runners .runner-row td:nth-child(5)"))
                .singleElement()
                .asString()
                .matches("\\d+ %");
        screenshot("oncall");
        open("#/debug/runner/" + runner.id());
        awaitUi("the runner page's resource figures", () -> {
            assertThat(text("#runner-memory .value")).matches("\\d+\\.\\d %");
            assertThat(text("#runner-disk .value")).matches("\\d+\\.\\d %");
            assertThat(text("#runner-memory .sub")).matches("[\\d.]+ [KMGT]?i?B of [\\d.]+ [KMGT]?i?B");
        });
        screenshot("debug-runner");
    }

    // ---------- figures from GET /api/v1/stats ----------

    @Test
    @Order(8)
    void theExecutiveViewShowsTheSuccessRateRunnersQueueAndSecurityEvents() throws IOException {
        // a cancelled job finishes but counts for no success rate: the caption used to say "4 of 6" under "80.0 %"
        String cancelled = cluster.api()
                .submit(aJob("cancelled-before-it-ran")
                        .labels("no-runner-serves-this")
                        .step("s", "true")
                        .build())
                .id();
        cluster.api().cancel(cancelled);
        open("#/executive");
        awaitUi("executive view", () -> assertThat(text("main h2")).isEqualTo("Executive overview"));
        awaitUi(
                "stats loaded",
                () -> assertThat(browser.findElements(By.cssSelector("#exec-success-rate, #stats-unavailable")))
                        .isNotEmpty());
        screenshot("executive");
        awaitUi("executive figures", () -> {
            assertThat(texts("#stats-unavailable"))
                    .as("GET /api/v1/stats answers")
                    .isEmpty();
            // compile, long-build, build, test succeeded; unit-tests failed
            assertThat(text("#exec-success-rate .value")).isEqualTo("80.0 %");
            assertThat(text("#exec-success-rate .sub"))
                    .isEqualTo("4 of 5 finished jobs succeeded; 1 cancelled, not counted");
            assertThat(text("#exec-runners .value")).isEqualTo("1");
            assertThat(text("#exec-queued .value")).isEqualTo("0");
            assertThat(text("#exec-duration .value")).isNotEqualTo("–");
            // the wrong token typed at sign-in
            assertThat(Integer.parseInt(text("#exec-security .value"))).isGreaterThanOrEqualTo(1);
            assertThat(browser.findElements(By.cssSelector("#exec-backlog svg path.line")))
                    .hasSize(1);
        });
    }

    @Test
    @Order(9)
    void theOnCallViewShowsFailuresByWorkflowAndRunnerAndTheQueue() throws IOException {
        open("#/oncall");
        awaitUi("on-call figures", () -> {
            assertThat(texts("#stats-unavailable"))
                    .as("GET /api/v1/stats answers")
                    .isEmpty();
            assertThat(texts("#oncall-failures tbody tr"))
                    .singleElement()
                    .satisfies(row -> assertThat(row)
                            .contains("unit-tests")
                            .contains(AGENT)
                            .endsWith("1"));
            assertThat(text("#oncall-queued .value")).isEqualTo("0");
            assertThat(text("#oncall-failed .value")).isEqualTo("1");
            assertThat(Integer.parseInt(text("#oncall-auth .value"))).isGreaterThanOrEqualTo(1);
        });
        screenshot("oncall");
    }
}
