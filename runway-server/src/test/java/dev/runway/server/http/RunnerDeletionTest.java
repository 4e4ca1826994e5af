package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.assertError;
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
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deleting a runner ends its running jobs at once, and what that runner still sends for them is refused. */
class RunnerDeletionTest {
    @TempDir
    static Path dir;

    static RunwayServer server;
    static final java.util.concurrent.atomic.AtomicLong now =
            new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());

    @BeforeAll
    static void start() {
        server = HttpApiTest.startTestServer(dir, () -> java.time.Instant.ofEpochMilli(now.get()));
    }

    /** The deleted runner's lease runs out (the test's clock), and the lease loop runs. */
    static void leaseRunsOut() {
        now.addAndGet(
                dev.runway.server.ServerConfig.defaults(dir).leaseTimeout().toMillis() + 2000);
        server.expireLeasesNow();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpApiTest.Answer call(String method, String path, String token, String body) throws Exception {
        return HttpApiTest.call(server, method, path, token, body);
    }

    RegisterResponse register(String name, String label) throws Exception {
        String token = call(
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        server.adminToken(),
                        json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        return call(
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new RegisterRequest(token, name, List.of(label), 1, "test")))
                .as(RegisterResponse.class);
    }

    /** Submits a job for {@code label} with {@code maxAttempts} and has {@code runner} claim it. */
    Assignment running(RegisterResponse runner, String label, int maxAttempts) throws Exception {
        call(
                "POST",
                ApiPaths.JOBS,
                server.adminToken(),
                json(new JobSpec(
                        "deploy",
                        List.of(label),
                        null,
                        List.of(StepSpec.of("s", "true")),
                        null,
                        maxAttempts,
                        null,
                        null,
                        null,
                        null)));
        HttpApiTest.Answer a = call("POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), json(new PollRequest(5)));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.as(Assignment.class);
    }

    JobView job(String id) throws Exception {
        return call("GET", ApiPaths.withId(ApiPaths.JOB, id), server.adminToken(), null)
                .as(JobView.class);
    }

    static final String SUCCEEDED = "{\"result\":\"succeeded\",\"steps\":[]}";

    /** The deleted runner's write for its attempt {@code a} to {@code route} is refused as stale. */
    static void assertRefused(Assignment a, String route, String query, String body) throws Exception {
        assertError(
                call("POST", ApiPaths.withId(route, a.jobId()) + query, a.jobToken(), body),
                409,
                "stale_attempt",
                "no longer current");
    }

    void delete(RegisterResponse runner) throws Exception {
        assertThat(call("DELETE", ApiPaths.withId(ApiPaths.RUNNER, runner.runnerId()), server.adminToken(), null)
                        .status())
                .isEqualTo(204);
    }

    @Test
    void deletingARunnerRefusesItsResultAtOnceAndRequeuesItsJobOnceItsLeaseHasRunOut() throws Exception {
        RegisterResponse doomed = register("compromised", "deletion-requeue");
        Assignment a = running(doomed, "deletion-requeue", 2);
        delete(doomed);

        assertRefused(a, ApiPaths.RUNNER_JOB_HEARTBEAT, "", "{}");
        assertRefused(a, ApiPaths.RUNNER_JOB_LOGS, "?offset=0", "x");
        assertRefused(a, ApiPaths.RUNNER_JOB_COMPLETE, "", SUCCEEDED);
        RegisterResponse healthy = register("healthy", "deletion-requeue");
        // the deleted runner may still be running it until its lease runs out: no second attempt before that
        assertThat(job(a.jobId()).state())
                .as("not requeued before the lease ends")
                .isEqualTo(JobState.RUNNING);
        assertThat(call("POST", ApiPaths.RUNNER_JOBS_NEXT, healthy.credential(), json(new PollRequest(1)))
                        .status())
                .as("nothing for another runner yet")
                .isEqualTo(204);
        leaseRunsOut();
        JobView j = job(a.jobId());
        assertThat(j.state()).isEqualTo(JobState.QUEUED);
        assertThat(j.reason()).isEqualTo("runner deleted on attempt 1; requeued");
        assertRefused(a, ApiPaths.RUNNER_JOB_COMPLETE, "", SUCCEEDED);
        assertThat(job(a.jobId()).state()).as("its result was not taken").isEqualTo(JobState.QUEUED);
        assertThat(call("GET", ApiPaths.METRICS, server.adminToken(), null).body())
                .contains("runway_job_attempts_lost_total{labels=\"deletion-requeue\"");

        Assignment retry = call("POST", ApiPaths.RUNNER_JOBS_NEXT, healthy.credential(), json(new PollRequest(5)))
                .as(Assignment.class);
        assertThat(retry.jobId()).isEqualTo(a.jobId());
        assertThat(retry.attempt()).isEqualTo(2);
    }

    @Test
    void deletingARunnerFailsItsJobWhenNoAttemptsRemain() throws Exception {
        RegisterResponse doomed = register("last-chance", "deletion-fail");
        Assignment a = running(doomed, "deletion-fail", 1);
        delete(doomed);
        assertRefused(a, ApiPaths.RUNNER_JOB_COMPLETE, "", SUCCEEDED);
        leaseRunsOut();
        JobView j = job(a.jobId());
        assertThat(j.state()).isEqualTo(JobState.FAILED);
        assertThat(j.reason()).isEqualTo("runner deleted (attempt 1 of 1)");
        assertRefused(a, ApiPaths.RUNNER_JOB_COMPLETE, "", SUCCEEDED);
        assertThat(job(a.jobId()).state()).isEqualTo(JobState.FAILED);
    }
}
