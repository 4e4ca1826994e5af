package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.StatsView;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLIs after a real run of jobs, control plane and agent as separate processes: {@code /metrics} of both
 * passes {@code promtool check metrics} and holds the figures the jobs produced (outcomes, durations, queue wait,
 * backlog, runners by state and version, resource use from health reports, auth failures, masked secrets), and
 * {@code /api/v1/stats} agrees. promtool comes from Debian's prometheus package; without it the lint is skipped,
 * except under CI=true, where that fails.
 */
class MetricsE2ETest {
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final String LABELS = "linux,metrics";

    @TempDir
    Path root;

    @Test
    void metricsOfBothProcessesCoverTheJobsThatRan() throws Exception {
        int agentPort = RunwayProcess.freePort();
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("m1", LABELS, "--metrics-port", Integer.toString(agentPort), "--metrics-host", "127.0.0.1");
            Api api = c.api();
            JobView ok1 = api.submit(aJob("ok-1")
                    .labels("linux", "metrics")
                    .step("s", "echo fine")
                    .build());
            JobView ok2 = api.submit(aJob("ok-2")
                    .labels("linux", "metrics")
                    // looks like a Runway API token: the agent masks it whatever the job's secrets are
                    .step("s", "echo token rwa_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
                    .build());
            JobView bad = api.submit(
                    aJob("bad").labels("linux", "metrics").step("s", "exit 3").build());
            c.awaitState(ok1.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            c.awaitState(ok2.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            c.awaitState(bad.id(), JobState.FAILED, Duration.ofSeconds(60));
            assertThat(api.logs(ok2.id())).contains("token ***").doesNotContain("ABCDEFGHIJKLMNOP");
            // nobody runs gpu jobs: it stays queued (the backlog)
            JobView waiting =
                    api.submit(aJob("waits").labels("gpu").step("s", "true").build());
            // an unknown token: an authentication failure
            assertThat(get(c.url() + "/api/v1/jobs", "rwa_notAToken0000000000000000000000")
                            .statusCode())
                    .isEqualTo(401);
            assertThat(get(c.url() + "/metrics", null).statusCode())
                    .as("metrics need a viewer token")
                    .isEqualTo(401);

            Map<String, Double> m = new LinkedHashMap<>();
            await("the idle runner with its resources in the metrics")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        m.clear();
                        m.putAll(parse(scrape(c.url() + "/metrics", c.adminToken())));
                        return m.getOrDefault("runway_runners{pool=\"static\",state=\"idle\"}", 0.0) == 1.0
                                && m.containsKey(
                                        "runway_runner_memory_utilization_ratio{aggregation=\"max\",pool=\"static\"}");
                    });
            String l = "labels=\"" + LABELS + "\"";
            assertThat(m)
                    .containsEntry("runway_jobs_finished_total{" + l + ",outcome=\"succeeded\",pool=\"static\"}", 2.0)
                    .containsEntry("runway_jobs_finished_total{" + l + ",outcome=\"failed\",pool=\"static\"}", 1.0)
                    .containsEntry(
                            "runway_job_duration_seconds_count{" + l + ",outcome=\"succeeded\",pool=\"static\"}", 2.0)
                    .containsEntry("runway_job_queue_wait_seconds_count{" + l + ",pool=\"static\"}", 3.0)
                    .containsEntry("runway_queue_jobs{labels=\"gpu\"}", 1.0)
                    .containsEntry("runway_runners_by_version{version=\"0.1.0\"}", 1.0)
                    .containsEntry("runway_runners_outdated", 0.0)
                    .containsEntry("runway_build_info{version=\"0.1.0\"}", 1.0);
            assertThat(m.get("runway_queue_oldest_age_seconds{labels=\"gpu\"}")).isGreaterThanOrEqualTo(0.0);
            assertThat(m.get("runway_auth_failures_total{kind=\"unknown_credential\"}"))
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(m.get("runway_auth_failures_total{kind=\"missing\"}")).isGreaterThanOrEqualTo(1.0);
            assertThat(m.get("runway_secrets_masked_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(m.get("runway_log_bytes_ingested_total")).isGreaterThan(0.0);
            assertThat(m.get("runway_runner_memory_utilization_ratio{aggregation=\"max\",pool=\"static\"}"))
                    .isGreaterThan(0.0)
                    .isLessThanOrEqualTo(1.0);
            assertThat(m.get("runway_runner_disk_utilization_ratio{aggregation=\"avg\",pool=\"static\"}"))
                    .isGreaterThan(0.0)
                    .isLessThanOrEqualTo(1.0);
            assertThat(m.keySet())
                    .anyMatch(k -> k.startsWith(
                            "runway_http_requests_total{method=\"POST\",route=\"/api/v1/runner/jobs/next\""))
                    .anyMatch(k -> k.startsWith("runway_db_connections{"))
                    .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                    .noneMatch(k -> k.contains(ok1.id()) || k.contains(waiting.id()));
            promtoolCheck(scrape(c.url() + "/metrics", c.adminToken()), "control plane");

            // OpenMetrics when asked for
            HttpResponse<String> om = http.send(
                    HttpRequest.newBuilder(URI.create(c.url() + "/metrics"))
                            .header("Authorization", "Bearer " + c.adminToken())
                            .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(om.headers().firstValue("Content-Type").orElse("")).startsWith("application/openmetrics-text");
            assertThat(om.body().strip()).endsWith("# EOF");

            // the agent's own metrics
            String agentText = scrape("http://127.0.0.1:" + agentPort + "/metrics", null);
            Map<String, Double> a = parse(agentText);
            assertThat(a)
                    .containsEntry("runway_agent_jobs_finished_total{outcome=\"succeeded\"}", 2.0)
                    .containsEntry("runway_agent_jobs_finished_total{outcome=\"failed\"}", 1.0)
                    .containsEntry("runway_agent_slots", 1.0)
                    .containsEntry("runway_agent_healthy", 1.0)
                    .containsEntry("runway_agent_info{version=\"0.1.0\"}", 1.0);
            assertThat(a.get("runway_agent_secrets_masked_total")).isGreaterThanOrEqualTo(1.0);
            assertThat(a.get("runway_agent_memory_total_bytes")).isGreaterThan(0.0);
            promtoolCheck(agentText, "agent");

            // the stats view agrees
            StatsView s = Json.lenient()
                    .readValue(
                            get(c.url() + "/api/v1/stats?window=1h", c.adminToken())
                                    .body(),
                            StatsView.class);
            assertThat(s.jobs().succeeded()).isEqualTo(2);
            assertThat(s.jobs().failed()).isEqualTo(1);
            assertThat(s.jobs().successRate()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(s.jobs().started()).isEqualTo(3);
            assertThat(s.jobs().durationP50Ms()).isNotNull();
            assertThat(s.queue().queued()).isEqualTo(1);
            assertThat(s.queue().oldestJobId()).isEqualTo(waiting.id());
            assertThat(s.queue().groups())
                    .singleElement()
                    .satisfies(g -> assertThat(g.labels()).containsExactly("gpu"));
            assertThat(s.runners().byState()).containsEntry("idle", 1);
            assertThat(s.runners().byVersion()).containsEntry("0.1.0", 1);
            assertThat(s.security().authFailures()).containsKey("unknown_credential");
            assertThat(s.security().secretsMasked()).isGreaterThanOrEqualTo(1);
            assertThat(s.failures()).singleElement().satisfies(f -> {
                assertThat(f.workflow()).isEqualTo("bad");
                assertThat(f.runner()).isEqualTo("m1");
            });
            assertThat(s.backlog()).hasSize(24);
            assertThat(s.backlog().get(23).queued()).isEqualTo(1);
            assertThat(get(c.url() + "/api/v1/stats?window=banana", c.adminToken())
                            .body())
                    .contains("window: invalid duration 'banana'");
        }
    }

    private static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape(String url, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = get(url, token);
        assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
        return r.body();
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

    /** Samples of the text format as {@code name{sorted labels}} → value. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            Matcher mt = SAMPLE.matcher(line.strip());
            if (!mt.matches()) continue;
            String labels = mt.group(2) == null ? "" : sortLabels(mt.group(2));
            out.put(mt.group(1) + labels, Double.parseDouble(mt.group(3)));
        }
        return out;
    }

    private static String sortLabels(String braced) {
        String inner = braced.substring(1, braced.length() - 1);
        List<String> parts = new java.util.ArrayList<>(List.of(inner.split(",(?=[a-zA-Z_]+=\")")));
        parts.sort(null);
        return "{" + String.join(",", parts) + "}";
    }

    /** {@code promtool check metrics} on {@code text}: exit 0 and no lint problems. */
    static void promtoolCheck(String text, String what) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            if ("true".equals(System.getenv("CI")))
                throw new AssertionError("promtool is missing (Debian package prometheus); CI must have it");
            Assumptions.abort("promtool is not installed (Debian package prometheus): lint of " + what + " skipped");
        }
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (var in = p.getOutputStream()) {
            in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("promtool check metrics (%s):\n%s", what, out)
                .isZero();
        assertThat(out.strip()).as("promtool lint (%s)", what).isEmpty();
    }
}
