package dev.runway.protocol;

import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/v1/runs/{id}/rerun} (may be empty: every job runs again). {@code failed}: only the jobs
 * with a failed, cancelled or timed-out leg, and the jobs that need them; {@code job}: that workflow job and the
 * jobs that need it. At most one of the two.
 */
public record RerunRequest(
        @Nullable Boolean failed, @Nullable String job) {}
