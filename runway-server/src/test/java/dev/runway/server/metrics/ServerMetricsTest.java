package dev.runway.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.protocol.RunnerResources;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerRecord;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    static final long NOW = 1_000_000_000L;
    final AtomicReference<FleetSnapshot> fleet = new AtomicReference<>();
    final ServerMetrics metrics =
            new ServerMetrics(fleet::get, () -> 3, () -> new ServerMetrics.DbPool.Use(1, 2, 0, 10));

    String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExpositionFormats.init()
                .getPrometheusTextFormatWriter()
                .write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void labelSetsAreSortedAndBoundedSoOneOddWorkflowCannotFloodPrometheus() {
        assertThat(metrics.labelSet(List.of("x64", "linux"))).isEqualTo("linux,x64");
        for (int i = 0; i < ServerMetrics.MAX_LABEL_SETS + 10; i++) metrics.labelSet(Set.of("l" + i));
        assertThat(metrics.labelSet(Set.of("brand-new"))).isEqualTo("other");
        assertThat(metrics.labelSet(List.of("linux", "x64")))
                .as("seen before the bound")
                .isEqualTo("linux,x64");
    }

    @Test
    void jobOutcomesDurationsAndWaitsAreCountedByLabelSetPoolAndOutcome() throws Exception {
        fleet.set(FleetSnapshot.of(metrics, List.of(), List.of(), Map.of(), NOW, 60_000));
        metrics.jobFinished(Set.of("linux"), null, JobOutcome.of(JobState.SUCCEEDED, null), 12.0);
        metrics.jobFinished(
                Set.of("linux"), "gpu", JobOutcome.of(JobState.FAILED, "runner lost (attempt 1 of 1)"), 3.0);
        metrics.jobFinished(Set.of("linux"), null, JobOutcome.of(JobState.CANCELLED, null), null); // never started
        metrics.jobFinished(Set.of("linux"), null, JobOutcome.of(JobState.SKIPPED, null), null); // never counted
        metrics.claimed(Set.of("linux"), null, 0.3);
        String text = scrape();
        assertThat(text)
                .contains("runway_jobs_finished_total{labels=\"linux\",outcome=\"succeeded\",pool=\"static\"} 1.0")
                .contains("runway_jobs_finished_total{labels=\"linux\",outcome=\"runner_lost\",pool=\"gpu\"} 1.0")
                .contains("runway_jobs_finished_total{labels=\"linux\",outcome=\"cancelled\",pool=\"none\"} 1.0")
                .doesNotContain("skipped")
                .contains(
                        "runway_job_duration_seconds_bucket{labels=\"linux\",outcome=\"succeeded\",pool=\"static\",le=\"30.0\"} 1")
                .contains("runway_job_queue_wait_seconds_bucket{labels=\"linux\",pool=\"static\",le=\"0.5\"} 1")
                .contains("runway_polls_waiting 3.0")
                .contains("runway_db_connections{state=\"idle\"} 2.0");
    }

    @Test
    void fleetGaugesAverageFreshResourceReportsPerPoolAndCountOutdatedAgents() throws Exception {
        RunnerResources half = new RunnerResources(0.5, 20L, 100L, 10L, 100L, Instant.ofEpochMilli(NOW - 1000));
        RunnerResources busy = new RunnerResources(0.9, 60L, 100L, 30L, 100L, Instant.ofEpochMilli(NOW - 5000));
        RunnerResources stale = new RunnerResources(
                1.0, 100L, 100L, 100L, 100L, Instant.ofEpochMilli(NOW - FleetSnapshot.RESOURCES_FRESH_MILLIS - 1));
        List<RunnerRecord> runners = List.of(
                runner("a", "p", "0.1.0", NOW, half),
                runner("b", "p", "0.1.0", NOW, busy),
                runner("c", "p", "0.0.9", NOW, stale),
                runner("d", null, "0.1.0", NOW - 120_000, null));
        fleet.set(FleetSnapshot.of(
                metrics,
                List.of(new JobStore.QueueGroup(Set.of("linux", "x64"), 4, NOW - 90_000)),
                runners,
                Map.of("b", 1),
                NOW,
                60_000));
        String text = scrape();
        assertThat(text)
                .contains("runway_runner_cpu_utilization_ratio{aggregation=\"avg\",pool=\"p\"} 0.7")
                .contains("runway_runner_cpu_utilization_ratio{aggregation=\"max\",pool=\"p\"} 0.9")
                .contains("runway_runner_memory_utilization_ratio{aggregation=\"avg\",pool=\"p\"} 0.4")
                .contains("runway_runner_disk_utilization_ratio{aggregation=\"max\",pool=\"p\"} 0.3")
                .contains("runway_runners{pool=\"p\",state=\"idle\"} 2.0")
                .contains("runway_runners{pool=\"p\",state=\"busy\"} 1.0")
                .contains("runway_runners{pool=\"static\",state=\"offline\"} 1.0")
                .contains("runway_runners_by_version{version=\"0.0.9\"} 1.0")
                .contains("runway_runners_outdated 1.0")
                .contains("runway_queue_jobs{labels=\"linux,x64\"} 4.0")
                .contains("runway_queue_oldest_age_seconds{labels=\"linux,x64\"} 90.0");
    }

    @Test
    void percentilesAreNearestRank() {
        assertThat(StatsQuery.percentile(List.of(), 50)).isNull();
        assertThat(StatsQuery.percentile(List.of(7L), 95)).isEqualTo(7L);
        List<Long> v = new java.util.ArrayList<>();
        for (long i = 100; i >= 1; i--) v.add(i);
        assertThat(StatsQuery.percentile(v, 50)).isEqualTo(50L);
        assertThat(StatsQuery.percentile(v, 95)).isEqualTo(95L);
    }

    @Test
    void auditKindsMapToTheMetricsKinds() {
        assertThat(StatsQuery.authKind("auth.unknown-credential")).isEqualTo("unknown_credential");
        assertThat(StatsQuery.authKind("auth.denied")).isEqualTo("forbidden");
        assertThat(StatsQuery.authKind("webhook.rejected")).isEqualTo("bad_signature");
    }

    static RunnerRecord runner(String id, String pool, String version, long lastSeen, RunnerResources r) {
        return new RunnerRecord(
                id,
                id,
                Set.of("linux"),
                1,
                version,
                NOW - 100_000,
                lastSeen,
                false,
                null,
                pool,
                null,
                null,
                null,
                r,
                null);
    }
}
