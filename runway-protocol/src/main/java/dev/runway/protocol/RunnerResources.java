package dev.runway.protocol;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a runner's host uses, as its agent measured it: CPU use of the whole host over the last interval (0..1, all
 * cores together), memory in use and in all, and the disk holding the agent's work directory, in bytes. The agent
 * sends it with its health report every {@code RunnerHealth.REPORT_SECONDS}; {@code reportedAt} is set by the
 * control plane when it stores the report (null in what the agent sends). A field the agent could not measure is
 * null.
 */
public record RunnerResources(
        @Nullable Double cpuRatio,
        @Nullable Long memoryUsedBytes,
        @Nullable Long memoryTotalBytes,
        @Nullable Long diskUsedBytes,
        @Nullable Long diskTotalBytes,
        @Nullable Instant reportedAt) {

    public @Nullable Double memoryRatio() {
        return ratio(memoryUsedBytes, memoryTotalBytes);
    }

    public @Nullable Double diskRatio() {
        return ratio(diskUsedBytes, diskTotalBytes);
    }

    private static @Nullable Double ratio(@Nullable Long used, @Nullable Long total) {
        return used == null || total == null || total <= 0 ? null : (double) used / total;
    }

    public RunnerResources at(Instant when) {
        return new RunnerResources(cpuRatio, memoryUsedBytes, memoryTotalBytes, diskUsedBytes, diskTotalBytes, when);
    }
}
