package dev.runway.server.store;

import dev.runway.protocol.RunnerResources;
import java.util.Set;

/**
 * A row of {@code runners}. {@code requestedAt} is when the registration token of a scaler-started runner was
 * created (null for other runners); {@code resources} its host's last reported use (null: never reported).
 */
public record RunnerRecord(
        String id,
        String name,
        Set<String> labels,
        int slots,
        String version,
        long createdAt,
        long lastSeenAt,
        boolean deleted,
        String unhealthyReason,
        String pool,
        String instance,
        String variant,
        Long firstJobAt,
        RunnerResources resources,
        Long requestedAt) {

    /**
     * {@code offline} when not heard from within {@code offlineAfterMillis}, else {@code unhealthy} when it says so,
     * {@code busy} while running a job, {@code idle}.
     */
    public String state(int running, long now, long offlineAfterMillis) {
        return now - lastSeenAt > offlineAfterMillis
                ? "offline"
                : unhealthyReason != null ? "unhealthy" : running > 0 ? "busy" : "idle";
    }
}
