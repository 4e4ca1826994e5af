package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A fleet-scaler pool as the control plane knows it: the scaler's last {@link PoolStatus} report, whether an
 * operator drained it, the canary decision, and each variant's job outcomes measured from the jobs its runners ran
 * (the last 24 hours).
 */
public record PoolView(
        String name,
        boolean draining,
        String canary,
        PoolStatus status,
        Instant reportedAt,
        List<VariantStats> variants) {

    /** Jobs that runners of one variant finished: {@code succeeded} of {@code finished} (cancelled ones excluded). */
    public record VariantStats(String variant, int finished, int succeeded) {
        public double successRate() {
            return finished == 0 ? Double.NaN : (double) succeeded / finished;
        }
    }
}
