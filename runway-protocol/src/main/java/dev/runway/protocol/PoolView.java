package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A fleet-scaler pool as the control plane knows it: the scaler's last {@link PoolStatus} report, whether an
 * operator drained it, the canary decision, and each variant's job outcomes measured from the jobs its runners ran
 * (the last 24 hours), and how long its jobs waited in the queue.
 */
public record PoolView(
        String name,
        boolean draining,
        String canary,
        PoolStatus status,
        Instant reportedAt,
        List<VariantStats> variants,
        QueueWait queueWait) {

    /** Enqueue → start of the jobs the pool's runners started in the last 24 hours (milliseconds). */
    public record QueueWait(int samples, long p50Ms, long p95Ms) {}

    /** Jobs that runners of one variant finished: {@code succeeded} of {@code finished} (cancelled ones excluded). */
    public record VariantStats(String variant, int finished, int succeeded) {
        public double successRate() {
            return finished == 0 ? Double.NaN : (double) succeeded / finished;
        }
    }
}
