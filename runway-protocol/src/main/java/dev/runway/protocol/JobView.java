package dev.runway.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A job as the API shows it. {@code queueWaitMs} is enqueue → start of the current attempt; {@code
 * durationMs} is start → finish (or → now while running). {@code reason} explains a non-success outcome
 * (e.g. {@code "step 'build' exited with 2"}, {@code "runner lost"}). {@code runId} is
 * set for a job of a workflow run, with the job's {@code outputs} and {@code key}, its id in the workflow ({@code
 * build}; {@code caller/job} for a job of a called workflow, {@code caller[i]/job} in leg i of a caller's matrix).
 * {@code waiting} says why a queued job waits (no
 * runner has its labels, and which labels the runners have; they are offline or unhealthy; all are busy); null for a
 * job that is not queued. {@code runAttempt} is the run attempt the job belongs to (1 before any re-run);
 * {@code carriedFrom}, for a job a re-run kept unchanged from an earlier attempt, the id of that attempt's job
 * (its log is read there).
 */
public record JobView(
        String id,
        String name,
        JobState state,
        List<String> labels,
        int attempt,
        int maxAttempts,
        String runnerId,
        String runnerName,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Long queueWaitMs,
        Long durationMs,
        String reason,
        boolean cancelRequested,
        long logBytes,
        List<StepResult> steps,
        String runId,
        Map<String, String> outputs,
        List<Annotation> annotations,
        ResourceUsage usage,
        @Nullable String key,
        @Nullable String waiting,
        int runAttempt,
        @Nullable String carriedFrom) {}
