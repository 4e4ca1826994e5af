package dev.runway.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A workflow run as the API shows it. {@code state} is {@code queued}, {@code running}, {@code succeeded}, {@code
 * failed} or {@code cancelled}; {@code reason} says why a run did not succeed. {@code jobs} (one per matrix leg, in
 * creation order) is filled when one run is shown, null in lists. {@code needs} (with {@code jobs}) is the job graph:
 * for each job's id, the ids of the jobs (all matrix legs) of the workflow jobs it {@code needs:}. {@code attempt} is
 * the run attempt whose jobs are shown: the latest (1 before any re-run) unless an earlier one was asked for; {@code
 * state} is always the run's latest.
 */
public record RunView(
        String id,
        long number,
        String name,
        String workflow,
        String repo,
        String ref,
        String sha,
        String event,
        Map<String, Object> inputs,
        JobState state,
        String reason,
        Instant createdAt,
        Instant finishedAt,
        Long durationMs,
        List<JobView> jobs,
        Map<String, List<String>> needs,
        int attempt) {}
