package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobList;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production routes on a real port with a real HTTP client. */
class HttpApiTest {
    @TempDir
    static Path dir;

    static RunwayServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    record Answer(int status, String body) {
        <T> T as(Class<T> t) throws IOException {
            return Json.lenient().readValue(body, t);
        }
    }

    @BeforeAll
    static void start() {
        server = startTestServer(dir);
    }

    /** A control plane on a free port with small limits (1000-byte logs, 4 KiB bodies), for the HTTP tests. */
    static RunwayServer startTestServer(Path dir) {
        return startTestServer(dir, java.time.InstantSource.system());
    }

    /** As {@link #startTestServer(Path)}, on {@code clock}. */
    static RunwayServer startTestServer(Path dir, java.time.InstantSource clock) {
        return RunwayServer.start(
                ServerConfig.builder(dir)
                        .port(0)
                        .maxLogBytes(1000)
                        .maxBodyBytes(4096)
                        .build(),
                clock);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Answer call(String method, String path, String token, String body) throws Exception {
        return call(server, method, path, token, body);
    }

    static Answer call(RunwayServer server, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(40));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    static String json(Object o) throws IOException {
        return Json.lenient().writeValueAsString(o);
    }

    static String admin() {
        return server.adminToken();
    }

    static RegisterResponse registerRunner(String name, List<String> labels) throws Exception {
        String token = call("POST", ApiPaths.REGISTRATION_TOKENS, admin(), json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        Answer a = call(
                "POST", ApiPaths.RUNNERS_REGISTER, null, json(new RegisterRequest(token, name, labels, 1, "test")));
        assertThat(a.status()).isEqualTo(201);
        return a.as(RegisterResponse.class);
    }

    static void assertError(Answer a, int status, String code, String messagePart) throws IOException {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        ApiError e = a.as(ApiError.class);
        assertThat(e.error()).isEqualTo(code);
        assertThat(e.message())
                .contains(messagePart)
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void malformedInputGetsA400ThatSaysWhatIsWrong() throws Exception {
        assertError(call("POST", ApiPaths.JOBS, admin(), "{\"name\": "), 400, "bad_request", "malformed JSON");
        assertError(
                call("POST", ApiPaths.JOBS, admin(), "{\"name\": \"x\", \"steps\": \"run this\"}"),
                400,
                "bad_request",
                "steps");
        assertError(
                call("POST", ApiPaths.JOBS, admin(), "{\"name\": \"x\", \"stepz\": []}"),
                400,
                "bad_request",
                "unknown field 'stepz'");
        assertError(
                call("POST", ApiPaths.JOBS, admin(), "{\"name\": \"x\", \"steps\": [{\"name\": \"no run\"}]}"),
                400,
                "bad_request",
                "steps[0].run");
        assertError(
                call(
                        "POST",
                        ApiPaths.JOBS,
                        admin(),
                        "{\"name\": \"x\", \"steps\": [{\"run\": \"true\", \"timeoutSeconds\": \"soon\"}]}"),
                400,
                "bad_request",
                "timeoutSeconds");
        assertError(call("POST", ApiPaths.JOBS, admin(), ""), 400, "bad_request", "empty");
        assertError(call("POST", ApiPaths.JOBS, admin(), "[1,2]"), 400, "bad_request", "");
        assertError(call("GET", ApiPaths.JOBS + "?limit=lots", admin(), null), 400, "bad_request", "limit");
        assertError(
                call("GET", ApiPaths.JOBS + "?state=sleeping", admin(), null), 400, "bad_request", "unknown job state");
    }

    @Test
    void oversizedBodiesAre413() throws Exception {
        String big = "{\"name\":\"" + "x".repeat(10_000) + "\",\"steps\":[{\"run\":\"true\"}]}";
        assertError(call("POST", ApiPaths.JOBS, admin(), big), 413, "payload_too_large", "limit");
    }

    @Test
    void unknownThingsAre404() throws Exception {
        assertError(
                call("GET", ApiPaths.withId(ApiPaths.JOB, "nope"), admin(), null),
                404,
                "not_found",
                "no job with id 'nope'");
        assertError(
                call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, "nope"), admin(), null), 404, "not_found", "nope");
        assertError(call("GET", "/api/v1/nothing-here", admin(), null), 404, "not_found", "no such endpoint");
        assertError(call("DELETE", ApiPaths.withId(ApiPaths.RUNNER, "nope"), admin(), null), 404, "not_found", "nope");
    }

    @Test
    void missingOrWrongTokensAre401() throws Exception {
        assertError(call("GET", ApiPaths.JOBS, null, null), 401, "unauthorized", "missing Authorization");
        assertError(call("GET", ApiPaths.JOBS, "rwa_forged", null), 401, "unauthorized", "not recognised");
        assertError(call("GET", ApiPaths.JOBS, "rwc_runner-credential", null), 401, "unauthorized", "API token");
        assertError(call("POST", ApiPaths.RUNNER_JOBS_NEXT, admin(), "{}"), 401, "unauthorized", "runner credential");
        assertError(
                call(
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new RegisterRequest("rwr_nope", "x", List.of(), 1, "t"))),
                401,
                "unauthorized",
                "not recognised");
        assertThat(call("GET", ApiPaths.HEALTH, null, null).status()).isEqualTo(200);
    }

    @Test
    void aRegistrationTokenWorksOnlyAsOftenAsAllowed() throws Exception {
        String token = call("POST", ApiPaths.REGISTRATION_TOKENS, admin(), json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        assertThat(token).startsWith("rwr_");
        assertThat(call(
                                "POST",
                                ApiPaths.RUNNERS_REGISTER,
                                null,
                                json(new RegisterRequest(token, "a", List.of(), 1, "t")))
                        .status())
                .isEqualTo(201);
        assertError(
                call("POST", ApiPaths.RUNNERS_REGISTER, null, json(new RegisterRequest(token, "b", List.of(), 1, "t"))),
                401,
                "unauthorized",
                "maximum");
        assertError(
                call("POST", ApiPaths.REGISTRATION_TOKENS, admin(), json(new RegistrationTokenRequest("forever", 1))),
                400,
                "bad_request",
                "expiresIn");
    }

    @Test
    void aDeletedRunnerIsRefusedOnItsNextRequest() throws Exception {
        RegisterResponse r = registerRunner("doomed", List.of("doomed"));
        assertThat(call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(0)))
                        .status())
                .isEqualTo(204);
        assertThat(call("DELETE", ApiPaths.withId(ApiPaths.RUNNER, r.runnerId()), admin(), null)
                        .status())
                .isEqualTo(204);
        assertError(
                call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(0))),
                401,
                "unauthorized",
                "deleted");
    }

    @Test
    void anEnqueueWakesAWaitingPollAtOnce() throws Exception {
        RegisterResponse r = registerRunner("waiter", List.of("wake-test"));
        CompletableFuture<Answer> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(20)));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.waitingPolls() > 0);
        long t0 = System.nanoTime();
        JobView job = call(
                        "POST",
                        ApiPaths.JOBS,
                        admin(),
                        json(new JobSpec(
                                "woken", List.of("wake-test"), null, List.of(StepSpec.of("s", "true")), null, null)))
                .as(JobView.class);
        Answer a = poll.get();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.as(Assignment.class).jobId()).isEqualTo(job.id());
        assertThat(ms).as("enqueue → delivered").isLessThan(500); // far below the 1 s re-check: the enqueue woke it
    }

    @Test
    void anEmptyPollAnswers204AfterTheWait() throws Exception {
        RegisterResponse r = registerRunner("idle", List.of("never-matches"));
        long t0 = System.nanoTime();
        assertThat(call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(1)))
                        .status())
                .isEqualTo(204);
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5000L);
    }

    /** A queued job says why it waits: here no runner has its labels, and the runners' labels are named. */
    @Test
    void aQueuedJobThatNoRunnerCanTakeSaysWhyInTheJobAndTheList() throws Exception {
        registerRunner("only-cpu", List.of("cpu-only-pool"));
        JobView job = call(
                        "POST",
                        ApiPaths.JOBS,
                        admin(),
                        json(new JobSpec(
                                "gpu-job",
                                List.of("cpu-only-pool", "no-such-gpu"),
                                null,
                                List.of(StepSpec.of("s", "true")),
                                null,
                                null)))
                .as(JobView.class);
        JobView got = call("GET", ApiPaths.withId(ApiPaths.JOB, job.id()), admin(), null)
                .as(JobView.class);
        assertThat(got.waiting())
                .as("the closest label set first, however many runners there are")
                .startsWith("no runner has labels cpu-only-pool, no-such-gpu; the runners have [cpu-only-pool] ");
        JobList queued = call("GET", ApiPaths.JOBS + "?state=queued&limit=1000", admin(), null)
                .as(JobList.class);
        assertThat(queued.jobs().stream()
                        .filter(j -> j.id().equals(job.id()))
                        .findFirst()
                        .orElseThrow()
                        .waiting())
                .isEqualTo(got.waiting());
        assertThat(call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, job.id()), admin(), "")
                        .status())
                .isBetween(200, 299);
        assertThat(call("GET", ApiPaths.withId(ApiPaths.JOB, job.id()), admin(), null)
                        .as(JobView.class)
                        .waiting())
                .as("a job that no longer waits says nothing")
                .isNull();
    }

    /**
     * One batched call renews every listed attempt the runner runs and answers each in order: renewed, renewed with a
     * cancel to carry out, or no longer current. Malformed or oversized bodies and a job token get a clear 4xx.
     */
    @Test
    void oneLeaseRenewalAnswersEachOfTheRunnersAttemptsInOrder() throws Exception {
        String token = call("POST", ApiPaths.REGISTRATION_TOKENS, admin(), json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        RegisterResponse r = call(
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new RegisterRequest(token, "batched", List.of("lease-batch"), 2, "test")))
                .as(RegisterResponse.class);
        List<Assignment> got = new java.util.ArrayList<>();
        for (String name : List.of("one", "two")) {
            call(
                    "POST",
                    ApiPaths.JOBS,
                    admin(),
                    json(new JobSpec(
                            name, List.of("lease-batch"), null, List.of(StepSpec.of("s", "true")), null, null)));
            got.add(call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)))
                    .as(Assignment.class));
        }
        assertThat(call("POST", ApiPaths.withId(ApiPaths.JOB_CANCEL, got.get(1).jobId()), admin(), "")
                        .status())
                .isBetween(200, 299);
        LeaseRenewal ask = new LeaseRenewal(List.of(
                new LeaseRenewal.Attempt(got.get(0).jobId(), 1),
                new LeaseRenewal.Attempt("j-not-a-job", 1),
                new LeaseRenewal.Attempt(got.get(1).jobId(), 1)));
        Answer a = call("POST", ApiPaths.RUNNER_LEASES, r.credential(), json(ask));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.as(LeaseRenewal.Answer.class).attempts())
                .containsExactly(
                        new LeaseRenewal.Lease(got.get(0).jobId(), 1, true, false, null),
                        new LeaseRenewal.Lease("j-not-a-job", 1, false, false, null),
                        new LeaseRenewal.Lease(got.get(1).jobId(), 1, true, true, "cancelled by a user"));

        assertError(
                call("POST", ApiPaths.RUNNER_LEASES, got.get(0).jobToken(), json(ask)),
                401,
                "unauthorized",
                "runner credential");
        assertError(
                call(
                        "POST",
                        ApiPaths.RUNNER_LEASES,
                        r.credential(),
                        "{\"attempts\":[{\"jobId\":\"x\",\"attempt\":0}]}"),
                400,
                "bad_request",
                "attempts[0]");
        assertError(
                call("POST", ApiPaths.RUNNER_LEASES, r.credential(), "{\"attempts\": 7}"),
                400,
                "bad_request",
                "attempts: expected an array");
        assertError(
                call("POST", ApiPaths.RUNNER_LEASES, r.credential(), "{\"attempts\": [{\"jobId\""),
                400,
                "bad_request",
                "attempts[0]: Unexpected end-of-input");
        List<LeaseRenewal.Attempt> tooMany = java.util.Collections.nCopies(
                LeaseRenewal.MAX_ATTEMPTS + 1,
                new LeaseRenewal.Attempt(got.get(0).jobId(), 1));
        assertError(
                call("POST", ApiPaths.RUNNER_LEASES, r.credential(), json(new LeaseRenewal(tooMany))),
                400,
                "bad_request",
                "at most " + LeaseRenewal.MAX_ATTEMPTS);
    }

    /**
     * The batched log upload appends chunks of several of the runner's attempts in one call and answers each in
     * order: appended (twice for one attempt in one call), a gap, and a chunk for another runner's attempt refused as
     * stale without a byte written. A retried call appends nothing twice. Bad bodies and a job token get a clear 4xx.
     */
    @Test
    void oneLogUploadAppendsEachOfTheRunnersChunksAndNoOneElses() throws Exception {
        String token = call("POST", ApiPaths.REGISTRATION_TOKENS, admin(), json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        RegisterResponse mine = call(
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new RegisterRequest(token, "log-batch", List.of("log-batch"), 2, "test")))
                .as(RegisterResponse.class);
        RegisterResponse other = registerRunner("log-batch-other", List.of("log-batch-other"));
        List<Assignment> got = new java.util.ArrayList<>();
        for (String name : List.of("one", "two")) {
            call(
                    "POST",
                    ApiPaths.JOBS,
                    admin(),
                    json(new JobSpec(name, List.of("log-batch"), null, List.of(StepSpec.of("s", "true")), null, null)));
            got.add(call("POST", ApiPaths.RUNNER_JOBS_NEXT, mine.credential(), json(new PollRequest(5)))
                    .as(Assignment.class));
        }
        call(
                "POST",
                ApiPaths.JOBS,
                admin(),
                json(new JobSpec(
                        "theirs", List.of("log-batch-other"), null, List.of(StepSpec.of("s", "true")), null, null)));
        Assignment theirs = call("POST", ApiPaths.RUNNER_JOBS_NEXT, other.credential(), json(new PollRequest(5)))
                .as(Assignment.class);
        String one = got.get(0).jobId();
        String two = got.get(1).jobId();
        LogBatch batch = new LogBatch(List.of(
                chunk(one, 0, "one\n"),
                chunk(two, 0, "two\n"),
                chunk(theirs.jobId(), 0, "written by another runner\n"),
                chunk(one, 4, "more\n"),
                chunk(two, 99, "beyond")));
        List<LogBatch.Ack> expected = List.of(
                new LogBatch.Ack(one, 1, LogBatch.Status.APPENDED, 4, false),
                new LogBatch.Ack(two, 1, LogBatch.Status.APPENDED, 4, false),
                new LogBatch.Ack(theirs.jobId(), 1, LogBatch.Status.STALE, 0, false),
                new LogBatch.Ack(one, 1, LogBatch.Status.APPENDED, 9, false),
                new LogBatch.Ack(two, 1, LogBatch.Status.GAP, 4, false));
        Answer a = call("POST", ApiPaths.RUNNER_LOGS, mine.credential(), json(batch));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.as(LogBatch.Answer.class).chunks()).isEqualTo(expected);
        Answer retry = call("POST", ApiPaths.RUNNER_LOGS, mine.credential(), json(batch)); // after a lost answer
        assertThat(retry.as(LogBatch.Answer.class).chunks())
                .as("nothing appended twice: each answers the committed length")
                .containsExactly(
                        new LogBatch.Ack(one, 1, LogBatch.Status.APPENDED, 9, false),
                        expected.get(1),
                        expected.get(2),
                        expected.get(3),
                        expected.get(4));
        assertThat(logOf(one)).isEqualTo("one\nmore\n");
        assertThat(logOf(two)).isEqualTo("two\n");
        assertThat(logOf(theirs.jobId())).isEmpty();

        assertError(
                call("POST", ApiPaths.RUNNER_LOGS, got.get(0).jobToken(), json(batch)),
                401,
                "unauthorized",
                "runner credential");
        assertError(
                call("POST", ApiPaths.RUNNER_LOGS, mine.credential(), "{\"chunks\":[{\"jobId\":\"x\",\"attempt\":0}]}"),
                400,
                "bad_request",
                "chunks[0]");
        assertError(
                call(
                        "POST",
                        ApiPaths.RUNNER_LOGS,
                        mine.credential(),
                        "{\"chunks\":[{\"jobId\":\"" + one + "\",\"attempt\":1,\"offset\":-1,\"data\":\"\"}]}"),
                400,
                "bad_request",
                "offset of at least 0");
        assertError(
                call(
                        "POST",
                        ApiPaths.RUNNER_LOGS,
                        mine.credential(),
                        "{\"chunks\":[{\"jobId\":\"" + one + "\",\"attempt\":1,\"offset\":9,\"data\":\"%%%\"}]}"),
                400,
                "bad_request",
                "chunks[0].data");
        assertError(
                call(
                        "POST",
                        ApiPaths.RUNNER_LOGS,
                        mine.credential(),
                        json(new LogBatch(java.util.Collections.nCopies(LogBatch.MAX_CHUNKS + 1, chunk(one, 9, ""))))),
                400,
                "bad_request",
                "at most " + LogBatch.MAX_CHUNKS);
        Answer huge = call(
                "POST",
                ApiPaths.RUNNER_LOGS,
                mine.credential(),
                json(new LogBatch(List.of(new LogBatch.Chunk(one, 1, 9, new byte[(int) LogBatch.MAX_BODY_BYTES])))));
        assertThat(huge.status()).as(huge.body()).isEqualTo(413);
        assertThat(logOf(one)).as("nothing refused was written").isEqualTo("one\nmore\n");
    }

    private static LogBatch.Chunk chunk(String jobId, long offset, String text) {
        return new LogBatch.Chunk(jobId, 1, offset, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String logOf(String jobId) throws Exception {
        Answer a = call("GET", ApiPaths.withId(ApiPaths.JOB_LOGS, jobId) + "?offset=0", admin(), null);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.body();
    }

    /**
     * A failed run re-run through the API: only the failed job runs again, as attempt 2 of the run; the first
     * attempt's jobs stay readable with {@code ?attempt=1}; the re-run is audited; a running run, a job the workflow
     * lacks and a contradictory body are refused with a clear 4xx.
     */
    @Test
    void aFailedRunIsReRunThroughTheApiWithItsFirstAttemptKept() throws Exception {
        RegisterResponse r = registerRunner("rerunner", List.of("rerun-pool"));
        String workflow = "on: push\njobs:\n  ok: {runs-on: rerun-pool, steps: [{run: 'true'}]}\n"
                + "  flaky: {runs-on: rerun-pool, steps: [{run: 'true'}]}\n";
        Answer started = call(
                "POST",
                ApiPaths.RUNS,
                admin(),
                json(new dev.runway.protocol.RunRequest(null, null, "ci.yml", workflow, null, null, null, null, null)));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        String runId = started.as(dev.runway.protocol.RunView.class).id();
        String rerun = ApiPaths.withId(ApiPaths.RUN_RERUN, runId);
        assertError(call("POST", rerun, admin(), ""), 409, "conflict", "is still running");
        for (int i = 0; i < 2; i++) {
            Assignment a = call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)))
                    .as(Assignment.class);
            String result = a.spec().name().equals("flaky") ? "failed" : "succeeded";
            assertThat(call(
                                    "POST",
                                    ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, a.jobId()),
                                    a.jobToken(),
                                    "{\"result\":\"" + result + "\",\"steps\":[]}")
                            .status())
                    .isEqualTo(200);
        }
        dev.runway.protocol.RunView failed =
                call("GET", ApiPaths.withId(ApiPaths.RUN, runId), admin(), null).as(dev.runway.protocol.RunView.class);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);

        assertError(call("POST", rerun, admin(), "{\"failed\":true,\"job\":\"ok\"}"), 400, "bad_request", "not both");
        assertError(call("POST", rerun, admin(), "{\"job\":\"nope\"}"), 400, "bad_request", "no job 'nope'");
        assertError(call("POST", rerun, admin(), "{\"failed\":\"yes please\"}"), 400, "bad_request", "failed");
        assertError(
                call("POST", ApiPaths.withId(ApiPaths.RUN_RERUN, "r-none"), admin(), ""), 404, "not_found", "r-none");
        Answer again = call("POST", rerun, admin(), "{\"failed\":true}");
        assertThat(again.status()).as(again.body()).isEqualTo(202);
        dev.runway.protocol.RunView second = again.as(dev.runway.protocol.RunView.class);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.jobs())
                .extracting(JobView::key, j -> j.state().wireName(), JobView::runAttempt)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("ok", "succeeded", 2),
                        org.assertj.core.groups.Tuple.tuple("flaky", "queued", 2));
        JobView kept = second.jobs().stream()
                .filter(j -> j.key().equals("ok"))
                .findFirst()
                .orElseThrow();
        dev.runway.protocol.RunView first = call(
                        "GET", ApiPaths.withId(ApiPaths.RUN, runId) + "?attempt=1", admin(), null)
                .as(dev.runway.protocol.RunView.class);
        assertThat(first.attempt()).as("the attempt shown").isEqualTo(1);
        assertThat(first.jobs())
                .extracting(JobView::key, j -> j.state().wireName())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("ok", "succeeded"),
                        org.assertj.core.groups.Tuple.tuple("flaky", "failed"));
        assertThat(kept.carriedFrom())
                .as("the kept job points at the job whose log it is")
                .isEqualTo(first.jobs().stream()
                        .filter(j -> j.key().equals("ok"))
                        .findFirst()
                        .orElseThrow()
                        .id());
        assertError(
                call("GET", ApiPaths.withId(ApiPaths.RUN, runId) + "?attempt=3", admin(), null),
                400,
                "bad_request",
                "attempt");
        assertThat(call("GET", ApiPaths.AUDIT + "?limit=20", admin(), null).body())
                .contains("run.rerun")
                .contains("attempt 2: failed jobs");
    }

    /**
     * Variables are set by admins for every repository or one, read back with their values, checked like secret
     * names, and reach a run as {@code vars}: a repository's wins over the global one, a job-level {@code if:} and
     * {@code runs-on} see them, and the job gets them in its contexts.
     */
    @Test
    void variablesAreScopedReadableCheckedAndReachTheRunsOfTheirRepository() throws Exception {
        String vars = ApiPaths.VARIABLE.replace("{name}", "REGION");
        assertThat(call("PUT", vars, admin(), "{\"value\":\"eu-west-1\"}").status())
                .isEqualTo(201);
        assertThat(call("PUT", vars, admin(), "{\"value\":\"eu-central-1\"}").status())
                .isEqualTo(200);
        assertThat(call("PUT", vars + "?repo=acme/app", admin(), "{\"value\":\"us-east-2\"}")
                        .status())
                .isEqualTo(201);
        assertThat(call(
                                "PUT",
                                ApiPaths.VARIABLE.replace("{name}", "deploy") + "?repo=acme/app",
                                admin(),
                                "{\"value\":\"yes\"}")
                        .status())
                .isEqualTo(201);
        assertThat(call("PUT", ApiPaths.VARIABLE.replace("{name}", "POOL"), admin(), "{\"value\":\"vars-pool\"}")
                        .status())
                .isEqualTo(201);
        Answer listed = call("GET", ApiPaths.VARIABLES + "?repo=acme/app", admin(), null);
        assertThat(listed.body()).contains("\"name\":\"DEPLOY\"").contains("\"value\":\"us-east-2\"");
        assertError(
                call("PUT", ApiPaths.VARIABLE.replace("{name}", "1X"), admin(), "{\"value\":\"v\"}"),
                400,
                "bad_request",
                "variable name '1X' is not valid");
        assertError(
                call("PUT", ApiPaths.VARIABLE.replace("{name}", "GITHUB_TOKEN"), admin(), "{\"value\":\"v\"}"),
                400,
                "bad_request",
                "reserved");
        assertError(call("PUT", vars + "?repo=not-a-repo", admin(), "{\"value\":\"v\"}"), 400, "bad_request", "repo:");
        assertError(call("PUT", vars, admin(), "{}"), 400, "bad_request", "value: required");
        assertError(
                call("DELETE", ApiPaths.VARIABLE.replace("{name}", "NOPE"), admin(), null),
                404,
                "not_found",
                "no variable NOPE");

        Path repo = java.nio.file.Files.createDirectories(dir.resolve("src/acme/app/.github/workflows"))
                .getParent()
                .getParent();
        java.nio.file.Files.writeString(repo.resolve(".github/workflows/ci.yml"), """
                on: push
                jobs:
                  deploy:
                    if: vars.DEPLOY == 'yes'
                    runs-on: ${{ vars.POOL }}
                    steps: [{run: 'echo ${{ vars.REGION }}'}]
                  unset:
                    if: vars.MISSING == 'x'
                    runs-on: vars-pool
                    steps: [{run: 'true'}]
                """);
        for (String[] git : new String[][] {
            {"init", "-q", "-b", "main"},
            {"add", "-A"},
            {"-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci"}
        }) {
            List<String> cmd = new java.util.ArrayList<>(List.of("git"));
            cmd.addAll(List.of(git));
            Process p = new ProcessBuilder(cmd)
                    .directory(repo.toFile())
                    .redirectErrorStream(true)
                    .start();
            assertThat(p.waitFor())
                    .as(new String(p.getInputStream().readAllBytes()))
                    .isZero();
        }
        RegisterResponse r = registerRunner("vars-runner", List.of("vars-pool"));
        Answer started = call(
                "POST",
                ApiPaths.RUNS,
                admin(),
                json(new dev.runway.protocol.RunRequest(
                        repo.toString(), null, ".github/workflows/ci.yml", null, null, null, null, null, null)));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        Assignment a = call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)))
                .as(Assignment.class);
        assertThat(a.spec().name()).isEqualTo("deploy");
        assertThat(a.spec().contexts().get("vars"))
                .as("the repository's REGION wins over the global one")
                .isEqualTo(java.util.Map.of("REGION", "us-east-2", "DEPLOY", "yes", "POOL", "vars-pool"));
        dev.runway.protocol.RunView run = call(
                        "GET",
                        ApiPaths.withId(
                                ApiPaths.RUN,
                                started.as(dev.runway.protocol.RunView.class).id()),
                        admin(),
                        null)
                .as(dev.runway.protocol.RunView.class);
        assertThat(run.jobs())
                .filteredOn(j -> j.key().equals("unset"))
                .singleElement()
                .extracting(j -> j.state().wireName())
                .isEqualTo("skipped");
        assertThat(call("GET", ApiPaths.AUDIT + "?limit=50", admin(), null).body())
                .contains("variable.set");
    }

    @Test
    void logsFollowWaitsForBytesAndReportsCompletion() throws Exception {
        RegisterResponse r = registerRunner("logger", List.of("log-test"));
        JobView job = call(
                        "POST",
                        ApiPaths.JOBS,
                        admin(),
                        json(new JobSpec(
                                "logs", List.of("log-test"), null, List.of(StepSpec.of("s", "true")), null, null)))
                .as(JobView.class);
        Assignment a = call("POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), json(new PollRequest(5)))
                .as(Assignment.class);
        String logs = ApiPaths.withId(ApiPaths.JOB_LOGS, job.id());
        CompletableFuture<HttpResponse<String>> follow = http.sendAsync(
                HttpRequest.newBuilder(URI.create(server.url() + logs + "?offset=0&wait=10"))
                        .header("Authorization", "Bearer " + admin())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Answer append = call(
                "POST",
                ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, job.id()) + "?offset=0",
                a.jobToken(),
                "first line\n");
        assertThat(append.status()).isEqualTo(200);
        HttpResponse<String> got = follow.get();
        assertThat(got.body()).isEqualTo("first line\n");
        assertThat(got.headers().firstValue("Runway-Log-Offset")).contains("11");
        assertThat(got.headers().firstValue("Runway-Log-Complete")).contains("false");

        assertThat(call(
                                "POST",
                                ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, job.id()),
                                a.jobToken(),
                                "{\"result\":\"succeeded\",\"steps\":[]}")
                        .status())
                .isEqualTo(200);
        HttpResponse<String> end = http.send(
                HttpRequest.newBuilder(URI.create(server.url() + logs + "?offset=11&wait=10"))
                        .header("Authorization", "Bearer " + admin())
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(end.body()).isEmpty();
        assertThat(end.headers().firstValue("Runway-Log-Complete")).contains("true");
        // a retried completion is fine; a log write after it is stale
        assertThat(call(
                                "POST",
                                ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, job.id()),
                                a.jobToken(),
                                "{\"result\":\"succeeded\",\"steps\":[]}")
                        .status())
                .isEqualTo(200);
        assertError(
                call("POST", ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, job.id()) + "?offset=11", a.jobToken(), "late"),
                409,
                "stale_attempt",
                "no longer current");
    }

    @Test
    void secretsAreWriteOnlyAndBadInputIsRefusedWithAMessage() throws Exception {
        String path = ApiPaths.SECRET.replace("{name}", "NPM_TOKEN");
        Answer put = call(
                "PUT",
                path + "?repo=acme/web",
                admin(),
                json(new dev.runway.protocol.SecretView.SetRequest("npm-token-value-123")));
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        assertThat(put.body()).doesNotContain("npm-token-value-123");
        Answer list = call("GET", ApiPaths.SECRETS, admin(), null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains("NPM_TOKEN", "acme/web").doesNotContain("npm-token-value-123");

        assertError(call("PUT", path, admin(), "{\"value\": \"\"}"), 400, "bad_request", "value: required");
        assertError(call("PUT", path, admin(), "not json"), 400, "bad_request", "");
        assertError(
                call(
                        "PUT",
                        ApiPaths.SECRET.replace("{name}", "9x"),
                        admin(),
                        json(java.util.Map.of("value", "abcdef"))),
                400,
                "bad_request",
                "is not valid");
        assertError(
                call("PUT", path + "?repo=..%2F..", admin(), json(java.util.Map.of("value", "abcdef"))),
                400,
                "bad_request",
                "is not owner/name");
        assertError(call("GET", ApiPaths.SECRETS, null, null), 401, "unauthorized", "missing Authorization");
        assertError(call("DELETE", path, admin(), null), 404, "not_found", "no secret NPM_TOKEN");
        assertThat(call("DELETE", path + "?repo=acme/web", admin(), null).status())
                .isEqualTo(204);
    }
}
