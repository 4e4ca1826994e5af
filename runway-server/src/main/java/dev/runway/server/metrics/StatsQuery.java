package dev.runway.server.metrics;

import dev.runway.protocol.JobState;
import dev.runway.protocol.StatsView;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.Sql;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The service level indicators over a window, from the control plane's records ({@code GET /api/v1/stats}): what
 * the dashboard and {@code runway status} show. Percentiles are computed here from the window's rows (nearest rank),
 * so they are exact, not bucketed like the Prometheus histograms.
 */
public final class StatsQuery {
    /** Points of the backlog trend across the window. */
    static final int BACKLOG_POINTS = 24;

    static final int MAX_FAILURE_GROUPS = 20;

    private final Database db;

    public StatsQuery(Database db) {
        this.db = db;
    }

    public StatsView stats(
            long windowMillis,
            long now,
            List<JobStore.QueueGroup> queued,
            String oldestJobId,
            List<RunnerRecord> runners,
            Map<String, Integer> running,
            long offlineAfterMillis) {
        long since = now - windowMillis;
        return db.read(c -> {
            // M1, M2: jobs that finished in the window (skipped ones never ran: left out)
            int[] counts = new int[6];
            List<Long> durations = new ArrayList<>();
            Sql.query(
                    c,
                    "SELECT state, reason, started_at, finished_at FROM jobs WHERE finished_at >= ? AND finished_at <= ?"
                            + " AND state IN ('succeeded', 'failed', 'cancelled', 'timed_out')",
                    rs -> {
                        JobOutcome outcome = JobOutcome.of(JobState.fromWire(rs.getString(1)), rs.getString(2));
                        counts[0]++;
                        switch (outcome) {
                            case SUCCEEDED -> counts[1]++;
                            case FAILED -> counts[2]++;
                            case CANCELLED -> counts[3]++;
                            case TIMED_OUT -> counts[4]++;
                            case RUNNER_LOST -> counts[5]++;
                        }
                        long started = rs.getLong(3);
                        if (!rs.wasNull()) durations.add(rs.getLong(4) - started);
                        return null;
                    },
                    since,
                    now);
            // M3: jobs whose (last) attempt started in the window
            List<Long> waits = Sql.query(
                    c,
                    "SELECT started_at - queued_at FROM jobs WHERE started_at >= ? AND started_at <= ?",
                    rs -> rs.getLong(1),
                    since,
                    now);
            int decided = counts[1] + counts[2] + counts[4] + counts[5];
            StatsView.Jobs jobs = new StatsView.Jobs(
                    counts[0],
                    counts[1],
                    counts[2],
                    counts[3],
                    counts[4],
                    counts[5],
                    decided == 0 ? null : (double) counts[1] / decided,
                    percentile(durations, 50),
                    percentile(durations, 95),
                    waits.size(),
                    percentile(waits, 50),
                    percentile(waits, 95));

            // the backlog trend: how many jobs were waiting at evenly spaced instants
            List<long[]> spans = Sql.query(
                    c,
                    "SELECT queued_at, COALESCE(started_at, finished_at) FROM jobs WHERE state <> 'skipped' AND queued_at"
                            + " <= ? AND (COALESCE(started_at, finished_at) IS NULL OR COALESCE(started_at,"
                            + " finished_at) >= ?)",
                    rs -> {
                        long queuedAt = rs.getLong(1);
                        long end = rs.getLong(2);
                        return new long[] {queuedAt, rs.wasNull() ? Long.MAX_VALUE : end};
                    },
                    now,
                    since);
            List<StatsView.BacklogPoint> backlog = new ArrayList<>();
            for (int i = 0; i < BACKLOG_POINTS; i++) {
                long t = since + windowMillis * (i + 1) / BACKLOG_POINTS;
                int n = 0;
                for (long[] s : spans) if (s[0] <= t && s[1] > t) n++;
                backlog.add(new StatsView.BacklogPoint(Instant.ofEpochMilli(t), n));
            }

            // failures by workflow (or job name) and runner
            Map<List<String>, Integer> failed = new LinkedHashMap<>();
            Sql.query(
                    c,
                    "SELECT COALESCE(r.name, j.name), COALESCE(j.runner_name, '-') FROM jobs j LEFT JOIN runs r ON"
                            + " r.id = j.run_id WHERE j.finished_at >= ? AND j.finished_at <= ? AND j.state IN"
                            + " ('failed', 'timed_out')",
                    rs -> failed.merge(List.of(rs.getString(1), rs.getString(2)), 1, Integer::sum),
                    since,
                    now);
            List<StatsView.FailureGroup> failures = failed.entrySet().stream()
                    .sorted(Map.Entry.<List<String>, Integer>comparingByValue().reversed())
                    .limit(MAX_FAILURE_GROUPS)
                    .map(e -> new StatsView.FailureGroup(
                            e.getKey().get(0), e.getKey().get(1), e.getValue()))
                    .toList();

            // M8 from the audit log (durable, every replica's), M10 from what runners reported
            Map<String, Integer> auth = new TreeMap<>();
            Sql.query(
                    c,
                    "SELECT kind, COUNT(*) FROM audit WHERE at >= ? AND (kind LIKE 'auth.%' OR kind = 'webhook.rejected')"
                            + " GROUP BY kind",
                    rs -> auth.merge(authKind(rs.getString(1)), rs.getInt(2), Integer::sum),
                    since);
            Long masked = Sql.one(
                    c,
                    "SELECT COALESCE(SUM(secrets_masked), 0) FROM jobs WHERE finished_at >= ?",
                    rs -> rs.getLong(1),
                    since);

            return new StatsView(
                    windowMillis / 1000,
                    Instant.ofEpochMilli(now),
                    jobs,
                    queue(queued, oldestJobId, now),
                    backlog,
                    runners(runners, running, now, offlineAfterMillis),
                    failures,
                    new StatsView.Security(auth, masked == null ? 0 : masked));
        });
    }

    /** The audit log's kinds as the metric's {@code kind} label spells them. */
    static String authKind(String auditKind) {
        return switch (auditKind) {
            case "auth.unknown-credential" -> "unknown_credential";
            case "auth.denied" -> "forbidden";
            case "webhook.rejected" -> "bad_signature";
            default -> auditKind.substring("auth.".length()).replace('-', '_');
        };
    }

    private static StatsView.Queue queue(List<JobStore.QueueGroup> queued, String oldestJobId, long now) {
        int total = 0;
        long oldest = Long.MAX_VALUE;
        List<StatsView.QueueGroup> groups = new ArrayList<>();
        for (JobStore.QueueGroup g : queued) {
            total += g.queued();
            oldest = Math.min(oldest, g.oldestQueuedAt());
            groups.add(new StatsView.QueueGroup(
                    List.copyOf(new TreeSet<>(g.labels())), g.queued(), Math.max(0, now - g.oldestQueuedAt())));
        }
        return new StatsView.Queue(
                total, total == 0 ? null : Math.max(0, now - oldest), total == 0 ? null : oldestJobId, groups);
    }

    private static StatsView.Runners runners(
            List<RunnerRecord> runners, Map<String, Integer> running, long now, long offlineAfterMillis) {
        Map<String, Integer> byState = new LinkedHashMap<>();
        for (String s : List.of("idle", "busy", "unhealthy", "offline")) byState.put(s, 0);
        Map<String, Integer> byVersion = new TreeMap<>();
        for (RunnerRecord r : runners) {
            byState.merge(r.state(running.getOrDefault(r.id(), 0), now, offlineAfterMillis), 1, Integer::sum);
            byVersion.merge(r.version() == null ? "unknown" : r.version(), 1, Integer::sum);
        }
        return new StatsView.Runners(runners.size(), byState, byVersion);
    }

    /** Nearest-rank percentile in milliseconds; null without samples. */
    static Long percentile(List<Long> values, int p) {
        if (values.isEmpty()) return null;
        long[] v = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(v);
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }
}
