package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import dev.runway.server.ServerConfig;
import dev.runway.server.http.HttpApiTest.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unknown tokens from one address are answered 429 past {@link AuthFailures#LIMIT} in a minute, but a valid credential
 * from that same address is never refused: a runner heartbeats and completes its job through a flood (each test has
 * its own server on a real port).
 */
class AuthRateLimitTest {
    @TempDir
    Path dir;

    static int get(RunwayServer server, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return HttpClient.newHttpClient()
                .send(b.GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    void unknownTokensAreRateLimitedButValidTokensAndMistakesAreNot() throws Exception {
        try (RunwayServer server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0))) {
            for (int i = 0; i < 50; i++)
                assertThat(get(server, ApiPaths.JOBS, null)).isEqualTo(401); // no token: a mistake, not counted
            assertThat(get(server, ApiPaths.JOBS, server.adminToken())).isEqualTo(200);
            for (int i = 0; i < AuthFailures.LIMIT; i++)
                assertThat(get(server, ApiPaths.JOBS, "rwa_guess" + i)).isEqualTo(401);
            assertThat(get(server, ApiPaths.JOBS, "rwa_guess-more")).isEqualTo(429);
            assertThat(get(server, ApiPaths.JOBS, server.adminToken()))
                    .as("a valid token from the flooding address still passes")
                    .isEqualTo(200);
            assertThat(get(server, ApiPaths.HEALTH, null)).isEqualTo(200);
        }
    }

    @Test
    void oneTokenTriedTooOftenIsRefusedWithoutALookup() throws Exception {
        try (RunwayServer server = RunwayServer.start(ServerConfig.defaults(dir).withPort(0))) {
            for (int i = 0; i < AuthFailures.LIMIT; i++)
                assertThat(get(server, ApiPaths.JOBS, "rwa_same-wrong-token")).isEqualTo(401);
            assertThat(get(server, ApiPaths.JOBS, "rwa_same-wrong-token")).isEqualTo(429);
            assertThat(get(server, ApiPaths.JOBS, server.adminToken())).isEqualTo(200);
        }
    }

    @Test
    void aRunnerHeartbeatsAndCompletesThroughAFloodOfBadTokensFromItsAddress() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        ServerConfig config = ServerConfig.defaults(dir)
                .withPort(0)
                .withTimes(lease, Duration.ofMillis(500), ServerConfig.DEFAULT_LONG_POLL_MAX);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService flood = Executors.newFixedThreadPool(3);
        try (RunwayServer server = RunwayServer.start(config)) {
            String admin = server.adminToken();
            String reg = call(
                            server,
                            "POST",
                            ApiPaths.REGISTRATION_TOKENS,
                            admin,
                            json(new RegistrationTokenRequest("5m", 1)))
                    .as(RegistrationTokenView.class)
                    .token();
            RegisterResponse runner = call(
                            server,
                            "POST",
                            ApiPaths.RUNNERS_REGISTER,
                            null,
                            json(new RegisterRequest(reg, "flooded", List.of("flood"), 1, "test")))
                    .as(RegisterResponse.class);
            JobView job = call(
                            server,
                            "POST",
                            ApiPaths.JOBS,
                            admin,
                            json(new JobSpec(
                                    "long", List.of("flood"), null, List.of(StepSpec.of("s", "true")), null, 2)))
                    .as(JobView.class);
            Assignment a = call(
                            server, "POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), json(new PollRequest(5)))
                    .as(Assignment.class);
            assertThat(a.jobId()).isEqualTo(job.id());

            // bogus API tokens, runner credentials, job tokens and registration tokens, as fast as three threads go
            AtomicInteger sent = new AtomicInteger();
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            for (int t = 0; t < 3; t++) {
                flood.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        int n = sent.incrementAndGet();
                        Answer r = switch (n % 4) {
                            case 0 -> call(server, "GET", ApiPaths.JOBS, "rwa_bogus" + n, null);
                            case 1 -> call(server, "POST", ApiPaths.RUNNER_JOBS_NEXT, "rwc_bogus" + n, "{}");
                            case 2 ->
                                call(
                                        server,
                                        "POST",
                                        ApiPaths.withId(ApiPaths.RUNNER_JOB_HEARTBEAT, job.id()),
                                        "rwj_bogus" + n,
                                        "{}");
                            default ->
                                call(
                                        server,
                                        "POST",
                                        ApiPaths.RUNNERS_REGISTER,
                                        null,
                                        json(new RegisterRequest("rwr_bogus" + n, "x", List.of(), 1, "x")));
                        };
                        statuses.merge(r.status(), 1, Integer::sum);
                    }
                    return null;
                });
            }
            await("the flood is refused with 429")
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> statuses.containsKey(429));

            // three lease timeouts of heartbeats, polls and user calls from the flooded address: every one passes
            long until = System.nanoTime() + 3 * lease.toNanos();
            String heartbeat = ApiPaths.withId(ApiPaths.RUNNER_JOB_HEARTBEAT, job.id());
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        Answer hb = call(server, "POST", heartbeat, a.jobToken(), "{}");
                        assertThat(hb.status())
                                .as("heartbeat during the flood: " + hb.body())
                                .isEqualTo(200);
                        Answer poll = call(
                                server,
                                "POST",
                                ApiPaths.RUNNER_JOBS_NEXT,
                                runner.credential(),
                                json(new PollRequest(0)));
                        assertThat(poll.status())
                                .as("poll during the flood: " + poll.body())
                                .isEqualTo(204);
                        assertThat(call(server, "GET", ApiPaths.JOBS, admin, null)
                                        .status())
                                .isEqualTo(200);
                        server.expireLeasesNow();
                        return System.nanoTime() > until;
                    });
            Answer done = call(
                    server,
                    "POST",
                    ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, job.id()),
                    a.jobToken(),
                    "{\"result\":\"succeeded\",\"steps\":[]}");
            stop.set(true);
            assertThat(done.status()).as(done.body()).isEqualTo(200);
            JobView after = call(server, "GET", ApiPaths.withId(ApiPaths.JOB, job.id()), admin, null)
                    .as(JobView.class);
            assertThat(after.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(after.attempt())
                    .as("the job ran once: its lease never expired")
                    .isEqualTo(1);
            assertThat(statuses.keySet()).as("flood answers %s", statuses).containsOnly(401, 429);
            assertThat(sent.get()).isGreaterThan(AuthFailures.LIMIT * 4);
        } finally {
            stop.set(true);
            flood.shutdownNow();
        }
    }

    static Answer call(RunwayServer server, String method, String path, String token, String body) {
        try {
            return HttpApiTest.call(server, method, path, token, body);
        } catch (Exception e) {
            throw new AssertionError(method + " " + path + ": " + e, e);
        }
    }

    static String json(Object o) throws java.io.IOException {
        return HttpApiTest.json(o);
    }
}
