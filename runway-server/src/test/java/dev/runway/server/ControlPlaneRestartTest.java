package dev.runway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane down for longer than the lease, through real HTTP: the restarted server gives the running attempt a
 * full lease, so the result the agent sends once it is back is accepted as attempt 1.
 */
class ControlPlaneRestartTest {
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    record Answer(int status, String body) {}

    static Answer call(RunwayServer s, String method, String path, String token, Object body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(
                                body instanceof String str
                                        ? str
                                        : Json.lenient().writeValueAsString(body)));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    static <T> T as(Answer a, Class<T> type) throws Exception {
        return Json.lenient().readValue(a.body(), type);
    }

    @Test
    void aResultSentAfterAnOutageLongerThanTheLeaseIsAcceptedAsTheSameAttempt() throws Exception {
        ServerConfig config = TestDatabases.sqlite(dir);
        long lease = config.leaseTimeout().toMillis();
        RunwayServer first = RunwayServer.start(config, clock);
        String admin = first.adminToken();
        Assignment a;
        String jobId;
        try {
            String reg = as(
                            call(
                                    first,
                                    "POST",
                                    ApiPaths.REGISTRATION_TOKENS,
                                    admin,
                                    new RegistrationTokenRequest("5m", 1)),
                            RegistrationTokenView.class)
                    .token();
            RegisterResponse runner = as(
                    call(
                            first,
                            "POST",
                            ApiPaths.RUNNERS_REGISTER,
                            null,
                            new RegisterRequest(reg, "r", List.of(), 1, "t")),
                    RegisterResponse.class);
            jobId = as(
                            call(
                                    first,
                                    "POST",
                                    ApiPaths.JOBS,
                                    admin,
                                    new JobSpec(
                                            "deploy", List.of(), null, List.of(StepSpec.of("s", "true")), null, null)),
                            JobView.class)
                    .id();
            a = as(
                    call(first, "POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), new PollRequest(5)),
                    Assignment.class);
            assertThat(a.jobId()).isEqualTo(jobId);
        } finally {
            first.close();
        }

        now.addAndGet(3 * lease); // down for three leases; the agent keeps its result
        RunwayServer second = RunwayServer.start(config, clock);
        try {
            second.expireLeasesNow(); // the lease loop's first pass on the restarted server
            Answer done = call(
                    second,
                    "POST",
                    ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, jobId),
                    a.jobToken(),
                    "{\"result\":\"succeeded\",\"steps\":[]}");
            assertThat(done.status()).as(done.body()).isEqualTo(200);
            JobView j = as(call(second, "GET", ApiPaths.withId(ApiPaths.JOB, jobId), admin, null), JobView.class);
            assertThat(j.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(j.attempt()).as("the job ran once").isEqualTo(1);
        } finally {
            second.close();
        }
    }
}
