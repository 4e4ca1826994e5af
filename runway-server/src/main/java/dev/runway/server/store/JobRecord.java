package dev.runway.server.store;

import dev.runway.protocol.JobState;
import java.util.List;

/** A row of {@code jobs}. Times are epoch millis; null when not reached yet. */
public record JobRecord(
        String id,
        String name,
        String specJson,
        List<String> labels,
        JobState state,
        int attempt,
        int maxAttempts,
        long timeoutMs,
        String runnerId,
        String runnerName,
        long createdAt,
        long queuedAt,
        Long startedAt,
        Long finishedAt,
        String reason,
        boolean cancelRequested,
        String stepsJson) {}
