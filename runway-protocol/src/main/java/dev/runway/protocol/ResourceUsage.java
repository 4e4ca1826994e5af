package dev.runway.protocol;

/**
 * What one job attempt used, as its runner measured it (from the job's control group): CPU time in seconds, the
 * peak of its memory in bytes, and whether the kernel's OOM killer killed one of its processes. A field the
 * runner's host could not measure is null.
 */
public record ResourceUsage(Double cpuSeconds, Long peakMemoryBytes, boolean oomKilled) {
    public static final ResourceUsage UNKNOWN = new ResourceUsage(null, null, false);
}
