package dev.runway.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/stats?window=PT24H}: the service level indicators over a window ending now, computed from the
 * control plane's records (so every replica answers alike), for the dashboard and {@code runway status}. Durations
 * are milliseconds; a percentile or rate with no sample is null.
 *
 * @param jobs jobs that finished in the window (M1, M2) and waits of jobs that started in it (M3)
 * @param queue the queue now (M12), by label set, oldest first
 * @param backlog queued jobs at evenly spaced instants across the window, oldest first (the backlog trend)
 * @param runners runners now, by state ({@code idle}, {@code busy}, {@code unhealthy}, {@code offline}) and by
 *     agent version (M11)
 * @param failures failed or timed-out jobs in the window by workflow (or job name) and runner, most first
 * @param security security events in the window: authentication failures by kind (M8), secret values masked in
 *     logs (M10)
 */
public record StatsView(
        long windowSeconds,
        Instant generatedAt,
        Jobs jobs,
        Queue queue,
        List<BacklogPoint> backlog,
        Runners runners,
        List<FailureGroup> failures,
        Security security) {

    public record Jobs(
            int finished,
            int succeeded,
            int failed,
            int cancelled,
            int timedOut,
            int runnerLost,
            Double successRate,
            Long durationP50Ms,
            Long durationP95Ms,
            int started,
            Long queueWaitP50Ms,
            Long queueWaitP95Ms) {}

    public record Queue(int queued, Long oldestAgeMs, String oldestJobId, List<QueueGroup> groups) {}

    public record QueueGroup(List<String> labels, int queued, long oldestAgeMs) {}

    public record BacklogPoint(Instant at, int queued) {}

    public record Runners(int total, Map<String, Integer> byState, Map<String, Integer> byVersion) {}

    public record FailureGroup(String workflow, String runner, int failed) {}

    public record Security(Map<String, Integer> authFailures, long secretsMasked) {}
}
