package dev.runway.server.metrics;

import dev.runway.protocol.RunwayVersion;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The control plane's Prometheus metrics (docs/metrics.md is the contract: names, labels, meaning). Events are
 * counted where they happen (a job finishing, a claim, an upload); what the database knows (queue, runners, their
 * resource use and versions) is read at scrape time through {@code fleet}, so every replica reports the same
 * figures. One registry per server, so several servers in one JVM (tests) do not share counts.
 */
public final class ServerMetrics {
    /** Label sets, pools and agent versions beyond these many distinct values are counted as {@code other}. */
    static final int MAX_LABEL_SETS = 50;

    static final int MAX_POOLS = 50;
    static final int MAX_VERSIONS = 20;
    public static final String STATIC_POOL = "static";
    public static final String NO_POOL = "none";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final BoundedValues labelSets = new BoundedValues(MAX_LABEL_SETS);
    private final BoundedValues pools = new BoundedValues(MAX_POOLS);
    private final BoundedValues versions = new BoundedValues(MAX_VERSIONS);
    private final BoundedValues routes = new BoundedValues(200);

    private final Counter jobsFinished;
    private final Counter attemptsLost;
    private final Histogram jobDuration;
    private final Histogram queueWait;
    private final Histogram provisioning;
    private final Counter authFailures;
    private final Counter artifactUploads;
    private final Counter artifactBytes;
    private final Histogram artifactDuration;
    private final Counter secretsMasked;
    private final Counter httpRequests;
    private final Histogram httpDuration;
    private final Counter logBytes;
    private final Counter retentionRemoved;
    private final Counter retentionBytes;

    public ServerMetrics(Supplier<FleetSnapshot> fleet, Supplier<Integer> pollsWaiting, DbPool db) {
        jobsFinished = Counter.builder()
                .name("runway_jobs_finished_total")
                .help("Jobs that reached a final state (M1), by the label set they asked for, the pool of the runner"
                        + " that ran them and their outcome")
                .labelNames("labels", "pool", "outcome")
                .register(registry);
        attemptsLost = Counter.builder()
                .name("runway_job_attempts_lost_total")
                .help("Attempts whose runner stopped answering (the job was requeued or failed)")
                .labelNames("labels", "pool")
                .register(registry);
        jobDuration = seconds(
                "runway_job_duration_seconds",
                "Duration of jobs' last attempt, start to end (M2)",
                new double[] {1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600},
                "labels",
                "pool",
                "outcome");
        queueWait = seconds(
                "runway_job_queue_wait_seconds",
                "Time from enqueue to a runner claiming the job (M3)",
                new double[] {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
                "labels",
                "pool");
        provisioning = seconds(
                "runway_runner_provisioning_seconds",
                "Scaler-started runners: registration token created -> runner registered, -> its first job (M4)",
                new double[] {0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
                "pool",
                "phase");
        authFailures = Counter.builder()
                .name("runway_auth_failures_total")
                .help("Refused credentials by kind (M8)")
                .labelNames("kind")
                .register(registry);
        artifactUploads = Counter.builder()
                .name("runway_artifact_uploads_total")
                .help("Artifact uploads by result (M9)")
                .labelNames("result")
                .register(registry);
        artifactBytes = Counter.builder()
                .name("runway_artifact_upload_bytes_total")
                .help("Bytes of artifacts stored")
                .register(registry);
        artifactDuration = seconds(
                "runway_artifact_upload_duration_seconds",
                "Artifact upload latency",
                new double[] {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300},
                "result");
        secretsMasked = Counter.builder()
                .name("runway_secrets_masked_total")
                .help("Secret values runners masked in job logs (M10)")
                .register(registry);
        httpRequests = Counter.builder()
                .name("runway_http_requests_total")
                .help("API requests by route template and status")
                .labelNames("method", "route", "status")
                .register(registry);
        httpDuration = seconds(
                "runway_http_request_duration_seconds",
                "API latency by route template (held long-polls included)",
                new double[] {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
                "method",
                "route");
        logBytes = Counter.builder()
                .name("runway_log_bytes_ingested_total")
                .help("Job log bytes accepted from runners")
                .register(registry);
        retentionRemoved = Counter.builder()
                .name("runway_retention_removed_total")
                .help("What the retention pass removed, by kind: logs (attempts' log bodies), artifacts, caches, jobs"
                        + " and runs")
                .labelNames("kind")
                .register(registry);
        retentionBytes = Counter.builder()
                .name("runway_retention_removed_bytes_total")
                .help("Bytes the retention pass freed, by kind (logs, artifacts, caches)")
                .labelNames("kind")
                .register(registry);
        for (String kind : RETENTION_KINDS) retentionRemoved.labelValues(kind); // 0 from the first scrape
        for (String kind : RETENTION_BYTE_KINDS) retentionBytes.labelValues(kind);
        registerFleetGauges(new CachedSupplier<>(fleet, 1000));
        GaugeWithCallback.builder()
                .name("runway_polls_waiting")
                .help("Runner long-polls held open on this replica")
                .callback(cb -> cb.call(pollsWaiting.get()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_build_info")
                .help("The control plane's version")
                .labelNames("version")
                .callback(cb -> cb.call(1, RunwayVersion.CURRENT))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_db_connections")
                .help("Database connection pool: active, idle, pending (threads waiting for a connection)")
                .labelNames("state")
                .callback(cb -> {
                    DbPool.Use u = db.use();
                    cb.call(u.active(), "active");
                    cb.call(u.idle(), "idle");
                    cb.call(u.pending(), "pending");
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_db_connections_max")
                .help("Database connection pool size")
                .callback(cb -> cb.call(db.use().max()))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** A histogram of seconds with fixed buckets (classic only: every Prometheus version and promtool read it). */
    private Histogram seconds(String name, String help, double[] buckets, String... labels) {
        return Histogram.builder()
                .name(name)
                .help(help)
                .unit(Unit.SECONDS)
                .labelNames(labels)
                .classicOnly()
                .classicUpperBounds(buckets)
                .withoutExemplars()
                .register(registry);
    }

    /** Where the database pool's use is read from at scrape time. */
    public interface DbPool {
        record Use(int active, int idle, int pending, int max) {}

        Use use();
    }

    private void registerFleetGauges(Supplier<FleetSnapshot> fleet) {
        GaugeWithCallback.builder()
                .name("runway_queue_jobs")
                .help("Queued jobs by the label set they ask for (M12)")
                .labelNames("labels")
                .callback(cb -> fleet.get().queue().forEach((labels, q) -> cb.call(q.queued(), labels)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_queue_oldest_age_seconds")
                .help("Age of the longest-waiting queued job by label set (M12)")
                .labelNames("labels")
                .callback(cb -> fleet.get().queue().forEach((labels, q) -> cb.call(q.oldestAgeSeconds(), labels)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_runners")
                .help("Registered runners by pool and state")
                .labelNames("pool", "state")
                .callback(cb -> fleet.get().runners().forEach((k, n) -> cb.call(n, k.pool(), k.state())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_runners_by_version")
                .help("Registered runners by agent version (M11)")
                .labelNames("version")
                .callback(cb -> fleet.get().versions().forEach((v, n) -> cb.call(n, v)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("runway_runners_outdated")
                .help("Runners whose agent version differs from the control plane's (M11)")
                .callback(cb -> cb.call(fleet.get().outdated()))
                .register(registry);
        resourceGauge(fleet, "runway_runner_cpu_utilization_ratio", "CPU use of runner hosts, 0..1 (M5)", 0);
        resourceGauge(fleet, "runway_runner_memory_utilization_ratio", "Memory use of runner hosts, 0..1 (M6)", 1);
        resourceGauge(
                fleet,
                "runway_runner_disk_utilization_ratio",
                "Use of the disk holding runners' work directories, 0..1 (M7)",
                2);
    }

    private void resourceGauge(Supplier<FleetSnapshot> fleet, String name, String help, int which) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help + "; average and maximum over a pool's runners that reported in the last 2 minutes")
                .labelNames("pool", "aggregation")
                .callback(cb -> fleet.get().resources().forEach((pool, r) -> {
                    FleetSnapshot.Stat s = r.get(which);
                    if (s.count() == 0) return;
                    cb.call(s.avg(), pool, "avg");
                    cb.call(s.max(), pool, "max");
                }))
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** A label set as a label value: sorted, comma-joined, bounded. */
    public String labelSet(Collection<String> labels) {
        return labelSets.of(labels.isEmpty() ? "" : String.join(",", new TreeSet<>(labels)));
    }

    public String pool(String pool) {
        return pool == null ? STATIC_POOL : pools.of(pool);
    }

    String version(String v) {
        return versions.of(v == null || v.isBlank() ? "unknown" : v);
    }

    /**
     * A job reached a final state ({@code outcome} null: it never ran, as a skipped job, and is not counted);
     * {@code durationSeconds} is null when it never started.
     */
    public void jobFinished(Collection<String> labels, String pool, JobOutcome outcome, Double durationSeconds) {
        if (outcome == null) return;
        String l = labelSet(labels);
        String p = durationSeconds == null && pool == null ? NO_POOL : pool(pool);
        jobsFinished.labelValues(l, p, outcome.label()).inc();
        if (durationSeconds != null)
            jobDuration.labelValues(l, p, outcome.label()).observe(Math.max(0, durationSeconds));
    }

    public void attemptLost(Collection<String> labels, String pool) {
        attemptsLost.labelValues(labelSet(labels), pool(pool)).inc();
    }

    public void claimed(Collection<String> labels, String pool, double waitSeconds) {
        queueWait.labelValues(labelSet(labels), pool(pool)).observe(Math.max(0, waitSeconds));
    }

    public void provisioned(String pool, String phase, double seconds) {
        provisioning.labelValues(pool(pool), phase).observe(Math.max(0, seconds));
    }

    /** Kinds: see {@link AuthFailure}. */
    public void authFailure(AuthFailure kind) {
        authFailures.labelValues(kind.label()).inc();
    }

    public void artifactUpload(boolean ok, long bytes, double seconds) {
        String result = ok ? "success" : "failure";
        artifactUploads.labelValues(result).inc();
        if (ok) artifactBytes.inc(bytes);
        artifactDuration.labelValues(result).observe(seconds);
    }

    public void secretsMasked(long n) {
        if (n > 0) secretsMasked.inc(n);
    }

    /** The values of {@code kind} on the retention counters. */
    public static final List<String> RETENTION_KINDS =
            List.of("logs", "artifacts", "caches", "jobs", "runs", "orphan_files");

    static final List<String> RETENTION_BYTE_KINDS = List.of("logs", "artifacts", "caches", "orphan_files");

    /** The retention pass removed {@code items} of {@code kind} (one of {@link #RETENTION_KINDS}), freeing {@code bytes}. */
    public void retentionRemoved(String kind, long items, long bytes) {
        if (items > 0) retentionRemoved.labelValues(kind).inc(items);
        if (bytes > 0 && RETENTION_BYTE_KINDS.contains(kind))
            retentionBytes.labelValues(kind).inc(bytes);
    }

    public void logBytes(long n) {
        if (n > 0) logBytes.inc(n);
    }

    public void httpRequest(String method, String route, int status, double seconds) {
        String r = routes.of(route == null || route.isBlank() ? "unmatched" : route);
        httpRequests.labelValues(method, r, Integer.toString(status)).inc();
        httpDuration.labelValues(method, r).observe(seconds);
    }

    /** The kinds of refused credentials, as the {@code kind} label spells them. */
    public enum AuthFailure {
        UNKNOWN_CREDENTIAL,
        EXPIRED,
        REVOKED,
        WRONG_KIND,
        MISSING,
        FORBIDDEN,
        RATE_LIMITED,
        BAD_SIGNATURE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static List<String> labels() {
            return Arrays.stream(values()).map(AuthFailure::label).toList();
        }
    }
}
