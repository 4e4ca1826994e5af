package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/queue}: the queued jobs grouped by the label set they ask for, the oldest first in each group.
 * {@code version} changes whenever the queue or the runner set changes; pass it back as {@code ?since=} with
 * {@code ?wait=} to be answered as soon as it changes (the fleet scaler's wake-up).
 */
public record QueueView(String version, int queued, List<Group> groups) {
    public record Group(List<String> labels, int queued, Instant oldestQueuedAt) {}
}
