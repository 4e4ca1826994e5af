package dev.runway.protocol;

import org.jspecify.annotations.Nullable;

/**
 * What one job attempt used, as its runner measured it (from the job's control group): CPU time in seconds, the
 * peak of its memory in bytes, and whether the kernel's OOM killer killed one of its processes. A field the
 * runner's host could not measure is null.
 */
public record ResourceUsage(
        @Nullable Double cpuSeconds, @Nullable Long peakMemoryBytes, boolean oomKilled) {
    public static final ResourceUsage UNKNOWN = new ResourceUsage(null, null, false);

    /** Whether the runner measured anything. */
    public boolean known() {
        return cpuSeconds != null || peakMemoryBytes != null || oomKilled;
    }

    /** "CPU 1.25 s, peak memory 48.2 MiB, killed by the OOM killer": what was measured, for people. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        if (cpuSeconds != null) b.append(String.format(java.util.Locale.ROOT, "CPU %.2f s", cpuSeconds));
        if (peakMemoryBytes != null) {
            b.append(b.isEmpty() ? "" : ", ")
                    .append(String.format(java.util.Locale.ROOT, "peak memory %.1f MiB", peakMemoryBytes / 1048576.0));
        }
        if (oomKilled) b.append(b.isEmpty() ? "" : ", ").append("killed by the OOM killer");
        return b.toString();
    }
}
