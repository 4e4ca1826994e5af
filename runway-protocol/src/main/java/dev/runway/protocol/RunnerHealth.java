package dev.runway.protocol;

import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/v1/runner/health}: whether the runner can take jobs, and if not, why (for example its
 * work directory's disk is nearly full), with what its host uses. The runner sends it when its health changes and
 * every {@link #REPORT_SECONDS} seconds (the resource figures are the SLIs M5–M7). {@code resources} may be null
 * (an older agent).
 */
public record RunnerHealth(
        boolean healthy, @Nullable String reason, @Nullable RunnerResources resources) {
    public static final int MAX_REASON = 1000;
    /** How often an agent reports even when nothing changed. */
    public static final int REPORT_SECONDS = 15;

    public RunnerHealth(boolean healthy, @Nullable String reason) {
        this(healthy, reason, null);
    }
}
