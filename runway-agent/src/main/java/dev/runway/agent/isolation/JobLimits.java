package dev.runway.agent.isolation;

import java.util.Locale;

/**
 * The resources one job may use: CPUs (fractions allowed), memory in bytes, and processes. A null field means no
 * limit. Enforced through the job's cgroup (shell and sandbox executors) or the container engine.
 */
public record JobLimits(Double cpus, Long memoryBytes, Integer pids) {
    public static final JobLimits NONE = new JobLimits(null, null, null);

    public JobLimits {
        if (cpus != null && !(cpus > 0)) throw new IllegalArgumentException("cpus must be above 0, got " + cpus);
        if (memoryBytes != null && memoryBytes < 4L << 20)
            throw new IllegalArgumentException("memory must be at least 4m, got " + memoryBytes + " bytes");
        if (pids != null && pids < 1) throw new IllegalArgumentException("pids must be at least 1, got " + pids);
    }

    /** Each limit of {@code wanted}, capped by this one's (a job may ask for less than the runner allows, not more). */
    public JobLimits capping(JobLimits wanted) {
        return new JobLimits(
                min(cpus, wanted.cpus()), min(memoryBytes, wanted.memoryBytes()), min(pids, wanted.pids()));
    }

    private static <T extends Comparable<T>> T min(T a, T b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A size in bytes, as everywhere in Runway ({@link dev.runway.protocol.ByteSizes}): {@code 512m}, {@code 1.5g}. */
    public static long parseBytes(String s) {
        return dev.runway.protocol.ByteSizes.parse(s);
    }

    public static double parseCpus(String s) {
        try {
            double d = Double.parseDouble(s.strip());
            if (!(d > 0) || Double.isInfinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a number of CPUs (e.g. 1 or 0.5)");
        }
    }

    public static int parsePids(String s) {
        try {
            int n = Integer.parseInt(s.strip());
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a process count (a whole number from 1)");
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (cpus != null) b.append("cpus ").append(cpus);
        if (memoryBytes != null)
            b.append(b.isEmpty() ? "" : ", ").append("memory ").append(mib(memoryBytes));
        if (pids != null) b.append(b.isEmpty() ? "" : ", ").append("pids ").append(pids);
        return b.isEmpty() ? "none" : b.toString();
    }

    public static String mib(long bytes) {
        return bytes % (1L << 20) == 0
                ? (bytes >> 20) + " MiB"
                : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
