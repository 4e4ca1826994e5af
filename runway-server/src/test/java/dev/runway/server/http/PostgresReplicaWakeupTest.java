package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobView;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import dev.runway.server.dispatch.Dispatcher;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one PostgreSQL database: a job queued through replica A reaches a poll held by replica B as A
 * commits (LISTEN/NOTIFY), well within the periodic recheck that found it before (every second; now a safety net
 * every {@link Dispatcher#SAFETY_RECHECK_MILLIS}); and after B's LISTEN connection is killed, B listens again and
 * is told again.
 */
class PostgresReplicaWakeupTest {
    /** Well under the old one-second recheck, generous for a loaded machine: a NOTIFY arrives in milliseconds. */
    static final Duration BOUND = Duration.ofMillis(600);

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    final String[] name = new String[1];
    RunwayServer a;
    RunwayServer b;

    @BeforeEach
    void start() {
        ServerConfig configA = TestDatabases.postgres(dirA, name);
        a = RunwayServer.start(configA);
        b = RunwayServer.start(configA.toBuilder().dataDir(dirB).build());
    }

    @AfterEach
    void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
        TestDatabases.dropPostgres(name[0]);
    }

    @Test
    void aJobQueuedThroughOneReplicaReachesAPollHeldByAnotherAtOnceAndAgainAfterItsListenConnectionDied()
            throws Exception {
        RegisterResponse runner = register();
        // B listens, and long enough that A knows (a replica alone on its database notifies no one)
        await().atMost(Duration.ofSeconds(20)).until(() -> b.toldOfOtherReplicas());
        for (int i = 0; i < 5; i++) deliveredThroughBWithinBound(runner, "j" + i);

        int before = b.listenerBackendPid();
        try (Connection c = DriverManager.getConnection(TestDatabases.PG_ADMIN_URL);
                PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, before);
            try (var rs = ps.executeQuery()) {
                assertThat(rs.next() && rs.getBoolean(1))
                        .as("the LISTEN connection was killed")
                        .isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        b.listenerBackendPid() != 0 && b.listenerBackendPid() != before && b.toldOfOtherReplicas());
        for (int i = 0; i < 3; i++) deliveredThroughBWithinBound(runner, "after" + i);
    }

    /** A poll held by B, then a job submitted through A: B's poll answers with it within {@link #BOUND}. */
    private void deliveredThroughBWithinBound(RegisterResponse runner, String jobName) throws Exception {
        int waitingBefore = b.waitingPolls();
        CompletableFuture<HttpApiTest.Answer> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return HttpApiTest.call(
                        b, "POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), json(new PollRequest(30)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> b.waitingPolls() > waitingBefore);
        HttpApiTest.Answer submitted = HttpApiTest.call(
                a,
                "POST",
                ApiPaths.JOBS,
                a.adminToken(),
                json(new JobSpec(jobName, List.of("rep"), null, List.of(StepSpec.of("s", "true")), 600, 1)));
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
        String id = submitted.as(JobView.class).id();
        await().atMost(BOUND).until(poll::isDone);
        HttpApiTest.Answer got = poll.get();
        assertThat(got.status()).as(got.body()).isEqualTo(200);
        assertThat(got.as(Assignment.class).jobId()).isEqualTo(id);
    }

    private RegisterResponse register() throws Exception {
        String token = HttpApiTest.call(
                        a,
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        a.adminToken(),
                        json(new RegistrationTokenRequest("5m", 1)))
                .as(RegistrationTokenView.class)
                .token();
        HttpApiTest.Answer r = HttpApiTest.call(
                a,
                "POST",
                ApiPaths.RUNNERS_REGISTER,
                null,
                json(new RegisterRequest(token, "rep", List.of("rep"), 50, "test")));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.as(RegisterResponse.class);
    }
}
