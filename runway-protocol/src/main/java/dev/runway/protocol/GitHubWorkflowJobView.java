package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * One {@code workflow_job} webhook delivery from GitHub as the control plane recorded it, for the fleet scaler's
 * GitHub pools ({@code GET /api/v1/github/workflow-jobs}).
 *
 * @param action {@code queued}, {@code waiting}, {@code in_progress} or {@code completed}
 * @param labels the job's {@code runs-on} labels
 * @param runnerName the runner that took the job (in_progress, completed); null while queued
 */
public record GitHubWorkflowJobView(
        String deliveryId,
        String action,
        Long jobId,
        Long runId,
        String repository,
        List<String> labels,
        String runnerName,
        Instant receivedAt) {

    /** The answer: events oldest first. */
    public record Events(List<GitHubWorkflowJobView> events) {}
}
