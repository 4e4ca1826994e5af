package dev.runway.server.metrics;

import dev.runway.protocol.RunnerResources;
import dev.runway.protocol.RunwayVersion;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the database says of the fleet at one instant, shaped for the gauges: queued jobs by label set, runners by
 * pool and state and by version, and resource use by pool. Label values go through the metrics' bounds.
 */
public record FleetSnapshot(
        Map<String, Queue> queue,
        Map<RunnerKey, Integer> runners,
        Map<String, Integer> versions,
        int outdated,
        Map<String, List<Stat>> resources) {

    /** Runner resource reports older than this are left out of the averages (the runner may be gone). */
    static final long RESOURCES_FRESH_MILLIS = 120_000;

    public record Queue(int queued, double oldestAgeSeconds) {}

    public record RunnerKey(String pool, String state) {}

    /** Average and maximum of one resource ratio over the runners that reported it. */
    public record Stat(int count, double sum, double max) {
        static final Stat NONE = new Stat(0, 0, 0);

        Stat plus(Double v) {
            return v == null ? this : new Stat(count + 1, sum + v, count == 0 ? v : Math.max(max, v));
        }

        public double avg() {
            return count == 0 ? 0 : sum / count;
        }
    }

    public static FleetSnapshot of(
            ServerMetrics metrics,
            List<JobStore.QueueGroup> queued,
            List<RunnerRecord> runnerList,
            Map<String, Integer> running,
            long now,
            long offlineAfterMillis) {
        Map<String, Queue> queue = new TreeMap<>();
        for (JobStore.QueueGroup g : queued) {
            String key = metrics.labelSet(g.labels());
            Queue prev = queue.get(key);
            double age = Math.max(0, (now - g.oldestQueuedAt()) / 1000.0);
            queue.put(
                    key,
                    prev == null
                            ? new Queue(g.queued(), age)
                            : new Queue(prev.queued() + g.queued(), Math.max(prev.oldestAgeSeconds(), age)));
        }
        Map<RunnerKey, Integer> runners =
                new TreeMap<>(Comparator.comparing(RunnerKey::pool).thenComparing(RunnerKey::state));
        Map<String, Integer> versions = new TreeMap<>();
        Map<String, List<Stat>> resources = new TreeMap<>();
        int outdated = 0;
        for (RunnerRecord r : runnerList) {
            String pool = metrics.pool(r.pool());
            String state = r.state(running.getOrDefault(r.id(), 0), now, offlineAfterMillis);
            runners.merge(new RunnerKey(pool, state), 1, Integer::sum);
            versions.merge(metrics.version(r.version()), 1, Integer::sum);
            if (!RunwayVersion.CURRENT.equals(r.version())) outdated++;
            RunnerResources res = r.resources();
            if (res != null
                    && res.reportedAt() != null
                    && now - res.reportedAt().toEpochMilli() <= RESOURCES_FRESH_MILLIS) {
                List<Stat> s = resources.computeIfAbsent(pool, p -> List.of(Stat.NONE, Stat.NONE, Stat.NONE));
                resources.put(
                        pool,
                        List.of(
                                s.get(0).plus(res.cpuRatio()),
                                s.get(1).plus(res.memoryRatio()),
                                s.get(2).plus(res.diskRatio())));
            }
        }
        return new FleetSnapshot(queue, runners, versions, outdated, resources);
    }
}
