package dev.runway.protocol;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A deployment environment's protection rules as the API shows them: the token names that may approve its
 * deployments (one approval suffices), the wait timer, and the branch patterns allowed to deploy (empty: every
 * branch).
 */
public record EnvironmentView(
        String name,
        List<String> reviewers,
        int waitSeconds,
        List<String> branches,
        Instant createdAt,
        Instant updatedAt) {
    /** Body of {@code PUT /api/v1/environments/{name}}; absent lists are empty, an absent timer 0. */
    public record SetRequest(
            @Nullable List<String> reviewers,
            @Nullable Integer waitSeconds,
            @Nullable List<String> branches) {}

    /** Answer of {@code GET /api/v1/environments}. */
    public record EnvironmentList(List<EnvironmentView> environments) {}

    /**
     * A run attempt's deployment to an environment: {@code waiting} for a reviewer, {@code approved} (its jobs
     * start once {@code dueAt} has passed) or {@code rejected}.
     */
    public record Deployment(
            String runId,
            int runAttempt,
            String environment,
            String state,
            Instant requestedAt,
            Instant dueAt,
            List<String> reviewers,
            @Nullable String decidedBy,
            @Nullable Instant decidedAt,
            @Nullable String comment) {}

    /** Answer of {@code GET /api/v1/runs/{id}/deployments}. */
    public record DeploymentList(List<Deployment> deployments) {}

    /** Body of {@code POST /api/v1/runs/{id}/deployments}: {@code decision} is {@code approve} or {@code reject}. */
    public record Decision(
            String environment, String decision, @Nullable String comment) {}
}
