package dev.runway.server.store;

import dev.runway.protocol.JobState;

/**
 * A row of {@code runs}: a workflow file (its text as read at {@code sha}) started for an event with inputs.
 * {@code number} is the run's sequence number ({@code github.run_number}); {@code calleesJson} the reusable
 * workflows it calls, as read when it was created (reference → text), or null; {@code eventJson} the event payload
 * the run was started with: a webhook's delivered payload, or a schedule's {@code schedule} (what Runway adds to
 * the payload it builds itself), or null; {@code attempt} counts its re-runs ({@code github.run_attempt}, 1 for the
 * first); {@code varsJson} its {@code vars} as read when it started (a re-run keeps them), or null;
 * {@code secretsWithheld} why its jobs are sent no secrets (a pull request from a fork), or null.
 */
public record RunRecord(
        String id,
        long number,
        String name,
        String workflowPath,
        String workflowText,
        String repo,
        String ref,
        String sha,
        String event,
        String inputsJson,
        JobState state,
        String reason,
        boolean cancelRequested,
        long createdAt,
        Long finishedAt,
        String optionsJson,
        String concurrencyGroup,
        String calleesJson,
        String eventJson,
        int attempt,
        String varsJson,
        String secretsWithheld) {}
