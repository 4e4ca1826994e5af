package dev.runway.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.server.RunwayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Stopping the control plane while runners hold polls: every held poll is answered "nothing" (204) or cut, and the
 * server writes nothing to its store once it is closing (a poll released by the shutdown used to record the runner's
 * contact after the release, racing the store's close: "POST /api/v1/runner/jobs/next failed", seen with 200 runners).
 */
class ShutdownUnderHeldPollsTest {
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"sqlite", "postgresql"})
    void heldPollsAreReleasedWithoutAnErrorWhenTheServerStops(String store, @TempDir Path dir) throws Exception {
        String[] db = new String[1];
        RunwayServer server = store.equals("sqlite")
                ? HttpApiTest.startTestServer(dir)
                : RunwayServer.start(dev.runway.server.TestDatabases.postgres(dir, db));
        try {
            heldPollsAreReleased(server);
        } finally {
            dev.runway.server.TestDatabases.dropPostgres(db[0]);
        }
    }

    static void heldPollsAreReleased(RunwayServer server) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            int n = 200;
            String token = HttpApiTest.call(
                            server,
                            "POST",
                            ApiPaths.REGISTRATION_TOKENS,
                            server.adminToken(),
                            HttpApiTest.json(new RegistrationTokenRequest("5m", n)))
                    .as(RegistrationTokenView.class)
                    .token();
            List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RegisterResponse r = HttpApiTest.call(
                                server,
                                "POST",
                                ApiPaths.RUNNERS_REGISTER,
                                null,
                                HttpApiTest.json(new RegisterRequest(token, "held-" + i, List.of("never"), 1, "t")))
                        .as(RegisterResponse.class);
                polls.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(server.url() + ApiPaths.RUNNER_JOBS_NEXT))
                                .timeout(Duration.ofSeconds(40))
                                .header("Authorization", "Bearer " + r.credential())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        Json.lenient().writeValueAsString(new PollRequest(30))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> server.waitingPolls() == n);
            // held for more than the runner-contact throttle (1 s), so a release would record contact again
            // real time on purpose (the thing tested is polls older than the throttle on the server's own clock; a
            // stepped test clock did not reproduce the race before the fix), not synchronisation
            Thread.sleep(1_200);
            server.close();
            for (var p : polls) {
                try {
                    int status = p.get().statusCode();
                    assertThat(status).as("a released poll").isIn(204, 503);
                } catch (java.util.concurrent.ExecutionException cut) {
                    // the connection closed with the server: the agent polls again (elsewhere)
                }
            }
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list)
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
    }
}
