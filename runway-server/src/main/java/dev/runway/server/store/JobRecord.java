package dev.runway.server.store;

import dev.runway.protocol.JobState;
import dev.runway.protocol.ResourceUsage;
import java.util.List;

/**
 * A row of {@code jobs}. Times are epoch millis; null when not reached yet. A job of a workflow run has {@code
 * runId}, its workflow job id ({@code jobKey}) and its matrix leg ({@code matrixIndex} of {@code matrixTotal}), the
 * run attempt it belongs to ({@code runAttempt}) and, for a job a re-run took over unchanged, the job of the earlier
 * attempt it was carried from ({@code carriedFrom}, whose attempts hold its log).
 */
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
        String stepsJson,
        String runId,
        String jobKey,
        Integer matrixIndex,
        Integer matrixTotal,
        boolean continueOnError,
        String outputsJson,
        String annotationsJson,
        ResourceUsage usage,
        int runAttempt,
        String carriedFrom) {}
