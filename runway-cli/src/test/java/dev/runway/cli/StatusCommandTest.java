package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunnerList;
import dev.runway.protocol.RunnerView;
import dev.runway.protocol.StatsView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusCommandTest {
    static final Instant NOW = Instant.parse("2026-11-26T01:00:00Z");

    HttpServer server;
    final Map<String, String> seen = new ConcurrentHashMap<>(); // path -> query, "auth:" + path -> Authorization

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    static StatsView stats() {
        return new StatsView(
                3600,
                NOW,
                new StatsView.Jobs(120, 110, 6, 2, 1, 1, 110 / 118.0, 65_000L, 250_000L, 118, 2_100L, 45_000L),
                new StatsView.Queue(
                        4,
                        192_000L,
                        "j00000000000000aa",
                        List.of(
                                new StatsView.QueueGroup(List.of("linux", "x64"), 3, 192_000L),
                                new StatsView.QueueGroup(List.of(), 1, 10_000L))),
                List.of(new StatsView.BacklogPoint(NOW.minusSeconds(60), 3)),
                new StatsView.Runners(5, Map.of("busy", 2, "idle", 2, "unhealthy", 1), Map.of("0.1.0", 4, "0.0.9", 1)),
                List.of(
                        new StatsView.FailureGroup("ci.yml", "build-3", 4),
                        new StatsView.FailureGroup("nightly", "build-1", 2)),
                new StatsView.Security(Map.of("expired", 2, "unknown_credential", 1), 17));
    }

    static RunnerList runners() {
        return new RunnerList(List.of(
                runner("r1", "build-1", "busy", null),
                runner("r3", "build-3", "unhealthy", "free disk 0.4 GiB below 1 GiB")));
    }

    static RunnerView runner(String id, String name, String state, String reason) {
        return new RunnerView(
                id, name, List.of("linux"), state, 1, 0, "0.1.0", NOW, NOW, reason, null, null, null, null, null);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0ms",
        "850, 850ms",
        "4200, 4.2s",
        "42000, 42s",
        "65000, 1m 05s",
        "3599000, 59m 59s",
        "7380000, 2h 03m",
        "273600000, 3d 04h"
    })
    void durationsAreForPeople(long ms, String expected) {
        assertThat(StatusCommand.human(ms)).isEqualTo(expected);
    }

    @Test
    void windowsAreShownAsTyped() {
        assertThat(StatusCommand.window(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(StatusCommand.window(Duration.ofHours(24))).isEqualTo("24h");
        assertThat(StatusCommand.window(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(StatusCommand.window(Duration.ofMinutes(30))).isEqualTo("30m");
    }

    @Test
    void theScreenShowsHealthSlisQueueRunnersAndFailures() {
        String screen = StatusCommand.render(
                "http://cp:8420",
                new StatusCommand.Health(true, "ok", "0.1.0", "1"),
                Duration.ofHours(1),
                stats(),
                null,
                runners());

        assertThat(screen)
                .startsWith("Control plane  http://cp:8420  healthy  (version 0.1.0, protocol 1)\n")
                .contains("Last 1h\n")
                .contains("  Success rate    93.2%  (120 finished: 110 succeeded, 6 failed, 1 timed out, 1 runner lost,"
                        + " 2 cancelled)\n")
                .contains("  Duration        p50 1m 05s   p95 4m 10s\n")
                .contains("  Queue wait      p50 2.1s   p95 45s   (118 started)\n")
                .contains("  Auth failures   3  (expired 2, unknown_credential 1)\n")
                .contains("  Secrets masked  17\n")
                .contains("Queue: 4 queued, oldest 3m 12s (j00000000000000aa)\n")
                .contains("  LABELS     QUEUED  OLDEST\n")
                .contains("  linux,x64  3       3m 12s\n")
                .contains("  (any)      1       10s\n")
                .contains("Runners: 5\n")
                .contains("  By state        busy 2, idle 2, unhealthy 1\n")
                .contains("  By version      0.1.0 4, 0.0.9 1\n")
                .contains("  Unhealthy       build-3 (r3): free disk 0.4 GiB below 1 GiB\n")
                .contains("Top failures\n")
                .contains("  ci.yml    build-3  4\n");
        assertThat(screen.indexOf("Last 1h")).isLessThan(screen.indexOf("Queue:"));
        assertThat(screen.indexOf("Queue:")).isLessThan(screen.indexOf("Runners:"));
        assertThat(screen.indexOf("Runners:")).isLessThan(screen.indexOf("Top failures"));
    }

    @Test
    void withoutStatsTheRunnersAreCountedFromTheRunnerList() {
        String screen = StatusCommand.render(
                "http://cp:8420",
                new StatusCommand.Health(true, "ok", null, null),
                Duration.ofHours(1),
                null,
                "Not found",
                runners());

        assertThat(screen)
                .startsWith("Control plane  http://cp:8420  healthy\n")
                .contains("Service level indicators: unavailable (Not found)")
                .contains("Runners: 2\n")
                .contains("  By state        busy 1, unhealthy 1\n")
                .contains("  By version      0.1.0 2\n");
    }

    @Test
    void anEmptyControlPlaneSaysSo() {
        StatsView empty = new StatsView(
                3600,
                NOW,
                new StatsView.Jobs(0, 0, 0, 0, 0, 0, null, null, null, 0, null, null),
                new StatsView.Queue(0, null, null, List.of()),
                List.of(),
                new StatsView.Runners(0, Map.of(), Map.of()),
                List.of(),
                new StatsView.Security(Map.of(), 0));
        String screen = StatusCommand.render(
                "http://cp:8420",
                new StatusCommand.Health(true, "ok", null, null),
                Duration.ofHours(1),
                empty,
                null,
                new RunnerList(List.of()));

        assertThat(screen)
                .contains("  Success rate    -  (0 finished: 0 succeeded)\n")
                .contains("  Duration        p50 -   p95 -\n")
                .contains("  Auth failures   0\n")
                .contains("Queue: empty\n")
                .contains("none registered")
                .contains("Top failures: none\n");
    }

    /** The control plane is faked: GET /api/v1/stats lands separately (the metrics work), so only its shape is used. */
    void fakeControlPlane(int healthStatus) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] statsJson = Json.lenient().writeValueAsBytes(stats());
        byte[] runnersJson = Json.lenient().writeValueAsBytes(runners());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            seen.put(path, String.valueOf(exchange.getRequestURI().getQuery()));
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth != null) seen.put("auth:" + path, auth);
            byte[] body;
            int status = 200;
            switch (path) {
                case "/healthz" -> {
                    status = healthStatus;
                    body = (healthStatus == 200 ? "{\"status\":\"ok\"}" : "{\"status\":\"database unreachable\"}")
                            .getBytes();
                    exchange.getResponseHeaders().add("Runway-Protocol", "1");
                }
                case "/api/v1/stats" -> body = statsJson;
                case "/api/v1/runners" -> body = runnersJson;
                default -> {
                    status = 404;
                    body = "{\"error\":\"not_found\",\"message\":\"no such route\"}".getBytes();
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void statusAgainstAFakeControlPlane_statsEndpointLandsSeparately() throws IOException {
        fakeControlPlane(200);

        CliTest.Run r = CliTest.run(Map.of(), "status", "--url", url(), "--token", "rwa_test");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("Control plane  " + url() + "  healthy  (protocol 1)")
                .contains("Success rate    93.2%")
                .contains("linux,x64  3       3m 12s")
                .contains("Unhealthy       build-3 (r3)")
                .contains("ci.yml    build-3  4");
        assertThat(seen).containsEntry("/api/v1/stats", "window=PT1H");
        assertThat(seen).containsEntry("auth:/api/v1/stats", "Bearer rwa_test");
        assertThat(seen).containsEntry("auth:/api/v1/runners", "Bearer rwa_test");
    }

    @Test
    void windowShorthandAndJsonGiveTheRawStats_statsEndpointFaked() throws IOException {
        fakeControlPlane(200);

        CliTest.Run r =
                CliTest.run(Map.of("RUNWAY_TOKEN", "rwa_test"), "status", "--url", url(), "--window", "24h", "--json");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(seen).containsEntry("/api/v1/stats", "window=PT24H");
        StatsView back = Json.lenient().readValue(r.out(), StatsView.class);
        assertThat(back).isEqualTo(stats());
    }

    @Test
    void anUnhealthyControlPlaneExitsOne_statsEndpointFaked() throws IOException {
        fakeControlPlane(503);

        CliTest.Run r = CliTest.run(Map.of(), "status", "--url", url(), "--token", "rwa_test");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("UNHEALTHY: database unreachable");
    }

    @Test
    void anUnreachableControlPlaneExitsOneWithAClearMessage() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }

        CliTest.Run r = CliTest.run(Map.of(), "status", "--url", "http://127.0.0.1:" + port, "--token", "rwa_test");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .startsWith("runway: cannot reach the control plane at http://127.0.0.1:" + port)
                .doesNotContain("\tat ");
    }

    @Test
    void anInvalidWindowIsAUsageError() {
        CliTest.Run r = CliTest.run(Map.of(), "status", "--window", "soon", "--token", "t");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--window").contains("invalid duration 'soon'");
    }
}
