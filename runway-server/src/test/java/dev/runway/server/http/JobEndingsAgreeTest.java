package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.protocol.StatsView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a job can end, on a real control plane over HTTP: {@code runway_jobs_finished_total} on {@code /metrics}
 * and the job counts of {@code /api/v1/stats} move by the same amount, per outcome. Time is the test's clock, so a
 * lease runs out when the test says so. Each store runs it through a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JobEndingsAgreeTest {
    static final Pattern FINISHED = Pattern.compile("(?m)^runway_jobs_finished_total\\{([^}]*)\\} ([0-9.eE+-]+)$");
    static final Pattern OUTCOME = Pattern.compile("outcome=\"([a-z_]+)\"");

    @TempDir
    static Path dir;

    final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    RunwayServer server;
    long lease;

    abstract ServerConfig config(Path dir);

    void dropStore() {}

    @BeforeAll
    void start() {
        ServerConfig config = config(dir);
        lease = config.leaseTimeout().toMillis();
        server = RunwayServer.start(config, () -> Instant.ofEpochMilli(now.get()));
    }

    @AfterAll
    void stop() {
        if (server != null) server.close();
        dropStore();
    }

    // ---- the ways a job ends ----

    @Test
    void theRunnerReportsEachResult() throws Exception {
        RegisterResponse r = register("reports");
        for (String result : List.of("succeeded", "failed", "cancelled", "timed_out")) {
            Assignment a = running(r, "reports", 1, null);
            assertEnds(() -> complete(a, result), Map.of(result, 1));
        }
    }

    @Test
    void aUserCancelsAQueuedJob() throws Exception {
        JobView j = submit("never-claimed", 1, null);
        assertEnds(
                () -> assertThat(call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, j.id()), null)
                                .status())
                        .isEqualTo(202),
                Map.of("cancelled", 1));
    }

    @Test
    void aUserCancelsARunningJobAndItsRunnerStopsIt() throws Exception {
        RegisterResponse r = register("cancel-running");
        Assignment a = running(r, "cancel-running", 1, null);
        assertEnds(
                () -> call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, a.jobId()), null),
                Map.of()); // asked to stop: not over yet
        assertEnds(() -> complete(a, "cancelled"), Map.of("cancelled", 1));
    }

    @Test
    void aLeaseRunsOutOnTheLastAttempt() throws Exception {
        RegisterResponse r = register("lease-lost");
        Assignment a = running(r, "lease-lost", 1, null);
        assertEnds(this::leasesRunOut, Map.of("runner_lost", 1));
        assertThat(job(a.jobId()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void aLeaseRunsOutWhileACancelIsPending() throws Exception {
        RegisterResponse r = register("lease-cancel");
        Assignment a = running(r, "lease-cancel", 1, null);
        call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, a.jobId()), null);
        assertEnds(this::leasesRunOut, Map.of("cancelled", 1));
    }

    @Test
    void theControlPlaneTimesOutAJobItsRunnerDidNotStop() throws Exception {
        RegisterResponse r = register("timeout");
        Assignment a = running(r, "timeout", 1, 1);
        assertEnds(this::leasesRunOut, Map.of("timed_out", 1));
        assertThat(job(a.jobId()).state()).isEqualTo(JobState.TIMED_OUT);
    }

    @Test
    void anAdminDeletesTheRunner() throws Exception {
        RegisterResponse r = register("deleted");
        Assignment a = running(r, "deleted", 1, null);
        assertEnds(
                () -> {
                    assertThat(call("DELETE", ApiPaths.withId(ApiPaths.RUNNER, r.runnerId()), null)
                                    .status())
                            .isEqualTo(204);
                    assertThat(job(a.jobId()).state())
                            .as("fenced until its lease ends")
                            .isEqualTo(JobState.RUNNING);
                    leasesRunOut();
                },
                Map.of("runner_lost", 1));
        assertThat(job(a.jobId()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void theRunnerDeletesItselfWhileRunningAJob() throws Exception {
        RegisterResponse r = register("self-deleted");
        Assignment a = running(r, "self-deleted", 1, null);
        assertEnds(
                () -> {
                    assertThat(HttpApiTest.call(server, "DELETE", ApiPaths.RUNNER_SELF, r.credential(), null)
                                    .status())
                            .isEqualTo(204);
                    leasesRunOut();
                },
                Map.of("runner_lost", 1));
        assertThat(job(a.jobId()).state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void aUserCancelsAWorkflowRun() throws Exception {
        RunView run = startRun("on: push\njobs:\n  a: {runs-on: run-cancel, steps: [{run: echo}]}\n"
                + "  b: {runs-on: run-cancel, needs: a, steps: [{run: echo}]}\n");
        // a was queued, b not yet created: both end cancelled
        assertEnds(
                () -> assertThat(call("POST", ApiPaths.withId(ApiPaths.RUN_CANCEL, run.id()), null)
                                .status())
                        .isEqualTo(202),
                Map.of("cancelled", 2));
    }

    @Test
    void failFastCancelsTheOtherMatrixLegs() throws Exception {
        RegisterResponse r = register("fail-fast");
        startRun("on: push\njobs:\n  m:\n    runs-on: fail-fast\n    strategy: {matrix: {n: [1, 2]}}\n"
                + "    steps: [{run: echo}]\n");
        Assignment leg = claim(r);
        assertEnds(() -> complete(leg, "failed"), Map.of("failed", 1, "cancelled", 1));
    }

    @Test
    void aNewerRunOfAConcurrencyGroupCancelsTheOlderOne() throws Exception {
        String wf = "on: push\nconcurrency: {group: deploy, cancel-in-progress: true}\n"
                + "jobs:\n  d: {runs-on: concurrency-run, steps: [{run: echo}]}\n";
        startRun(wf);
        assertEnds(() -> startRun(wf), Map.of("cancelled", 1));
    }

    @Test
    void aNewerJobOfAConcurrencyGroupReplacesTheQueuedOne() throws Exception {
        String wf = "on: push\njobs:\n  d:\n    runs-on: concurrency-job\n"
                + "    concurrency: {group: job-group, cancel-in-progress: true}\n    steps: [{run: echo}]\n";
        startRun(wf);
        assertEnds(() -> startRun(wf), Map.of("cancelled", 1));
    }

    @Test
    void aJobWhoseConditionCannotBeEvaluatedFailsWithoutRunning() throws Exception {
        assertEnds(
                () -> startRun("on: push\njobs:\n  j:\n    runs-on: x\n    if: ${{ fromJSON('{') }}\n"
                        + "    steps: [{run: echo}]\n"),
                Map.of("failed", 1));
    }

    @Test
    void aSkippedJobCountsOnNeitherSide() throws Exception {
        assertEnds(() -> startRun("on: push\njobs:\n  j: {runs-on: x, if: false, steps: [{run: echo}]}\n"), Map.of());
    }

    @Test
    void aRunnerCannotReportThatItsJobWasSkipped() throws Exception {
        RegisterResponse r = register("skipped-by-runner");
        Assignment a = running(r, "skipped-by-runner", 1, null);
        assertEnds(
                () -> assertThat(HttpApiTest.call(
                                        server,
                                        "POST",
                                        ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, a.jobId()),
                                        a.jobToken(),
                                        "{\"result\":\"skipped\",\"steps\":[]}")
                                .status())
                        .as("running -> skipped is no legal move")
                        .isEqualTo(400),
                Map.of());
        assertEnds(() -> complete(a, "succeeded"), Map.of("succeeded", 1));
    }

    // ---- what is counted ----

    interface Action {
        void run() throws Exception;
    }

    /** {@code action} moves both counts by exactly {@code expected} (outcome to count; absent outcomes by 0). */
    void assertEnds(Action action, Map<String, Integer> expected) throws Exception {
        Map<String, Integer> metricsBefore = metrics();
        Map<String, Integer> statsBefore = stats();
        action.run();
        Map<String, Integer> byMetrics = delta(metricsBefore, metrics());
        Map<String, Integer> byStats = delta(statsBefore, stats());
        Map<String, Integer> want = new TreeMap<>(expected);
        assertThat(byStats).as("/api/v1/stats").isEqualTo(want);
        assertThat(byMetrics).as("/metrics").isEqualTo(want);
    }

    static Map<String, Integer> delta(Map<String, Integer> before, Map<String, Integer> after) {
        Map<String, Integer> d = new TreeMap<>();
        for (String k : after.keySet()) {
            int n = after.get(k) - before.getOrDefault(k, 0);
            if (n != 0) d.put(k, n);
        }
        return d;
    }

    Map<String, Integer> metrics() throws Exception {
        Map<String, Integer> out = new TreeMap<>();
        Matcher m = FINISHED.matcher(call("GET", ApiPaths.METRICS, null).body());
        while (m.find()) {
            Matcher o = OUTCOME.matcher(m.group(1));
            assertThat(o.find()).isTrue();
            out.merge(o.group(1), (int) Double.parseDouble(m.group(2)), Integer::sum);
        }
        return out;
    }

    Map<String, Integer> stats() throws Exception {
        StatsView.Jobs j = call("GET", ApiPaths.STATS, null).as(StatsView.class).jobs();
        Map<String, Integer> out = new TreeMap<>();
        out.put("succeeded", j.succeeded());
        out.put("failed", j.failed());
        out.put("cancelled", j.cancelled());
        out.put("timed_out", j.timedOut());
        out.put("runner_lost", j.runnerLost());
        assertThat(j.finished())
                .as("finished is the sum of the outcomes")
                .isEqualTo(out.values().stream().mapToInt(Integer::intValue).sum());
        return out;
    }

    // ---- driving the control plane ----

    HttpApiTest.Answer call(String method, String path, Object body) throws Exception {
        return HttpApiTest.call(
                server,
                method,
                path,
                server.adminToken(),
                body == null ? null : body instanceof String s ? s : json(body));
    }

    RegisterResponse register(String label) throws Exception {
        String token = call("POST", ApiPaths.REGISTRATION_TOKENS, new RegistrationTokenRequest("5m", 1))
                .as(RegistrationTokenView.class)
                .token();
        return call("POST", ApiPaths.RUNNERS_REGISTER, new RegisterRequest(token, label, List.of(label), 4, "test"))
                .as(RegisterResponse.class);
    }

    JobView submit(String label, int maxAttempts, Integer timeoutSeconds) throws Exception {
        HttpApiTest.Answer a = call(
                "POST",
                ApiPaths.JOBS,
                new JobSpec("j", List.of(label), null, List.of(StepSpec.of("s", "true")), timeoutSeconds, maxAttempts));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.as(JobView.class);
    }

    Assignment claim(RegisterResponse r) throws Exception {
        HttpApiTest.Answer a =
                HttpApiTest.call(server, "POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.as(Assignment.class);
    }

    Assignment running(RegisterResponse r, String label, int maxAttempts, Integer timeoutSeconds) throws Exception {
        JobView j = submit(label, maxAttempts, timeoutSeconds);
        Assignment a = claim(r);
        assertThat(a.jobId()).isEqualTo(j.id());
        return a;
    }

    void complete(Assignment a, String result) throws Exception {
        HttpApiTest.Answer done = HttpApiTest.call(
                server,
                "POST",
                ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, a.jobId()),
                a.jobToken(),
                "{\"result\":\"" + result + "\",\"steps\":[]}");
        assertThat(done.status()).as(done.body()).isEqualTo(200);
    }

    /** Serving time passes beyond every running attempt's lease (and a 1 s job's timeout plus a lease). */
    void leasesRunOut() {
        now.addAndGet(lease + 2000);
        server.expireLeasesNow();
    }

    RunView startRun(String workflow) throws Exception {
        HttpApiTest.Answer a =
                call("POST", ApiPaths.RUNS, new RunRequest(null, null, "w.yml", workflow, null, Map.of()));
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.as(RunView.class);
    }

    JobView job(String id) throws Exception {
        return call("GET", ApiPaths.withId(ApiPaths.JOB, id), null).as(JobView.class);
    }
}
