package dev.runway.agent.metrics;

import dev.runway.protocol.RunnerResources;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures what the runner's host uses: CPU from {@code /proc/stat} (busy share of all cores since the previous
 * sample), memory from {@code /proc/meminfo} (total minus available), and the file system holding the work
 * directory. Linux only; a figure that cannot be read is null. The {@code /proc} root is injected for tests.
 */
public final class HostResources {
    private final Path proc;
    private final Path workDir;
    private long[] lastCpu; // busy, total jiffies at the previous sample
    private volatile RunnerResources latest;

    public HostResources(Path workDir) {
        this(Path.of("/proc"), workDir);
    }

    HostResources(Path proc, Path workDir) {
        this.proc = proc;
        this.workDir = workDir;
    }

    /** Takes a sample (CPU is the use since the previous one; null on the first call). */
    public synchronized RunnerResources sample() {
        Double cpu = cpu();
        long[] mem = memory();
        Long diskUsed = null;
        Long diskTotal = null;
        try {
            FileStore fs = Files.getFileStore(existing(workDir));
            long total = fs.getTotalSpace();
            if (total > 0) {
                diskTotal = total;
                diskUsed = Math.max(0, total - fs.getUnallocatedSpace());
            }
        } catch (IOException e) {
            // left unknown
        }
        RunnerResources r = new RunnerResources(
                cpu, mem == null ? null : mem[0], mem == null ? null : mem[1], diskUsed, diskTotal, null);
        latest = r;
        return r;
    }

    /** The last sample, or null before the first. */
    public RunnerResources latest() {
        return latest;
    }

    private Double cpu() {
        try {
            String first = Files.readAllLines(proc.resolve("stat")).get(0);
            String[] f = first.trim().split("\\s+");
            if (!f[0].equals("cpu")) return null;
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]); // up to steal; guest is in user
            long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0); // idle + iowait
            long busy = total - idle;
            long[] prev = lastCpu;
            lastCpu = new long[] {busy, total};
            if (prev == null || total <= prev[1]) return null;
            double r = (double) (busy - prev[0]) / (total - prev[1]);
            return Math.max(0, Math.min(1, r));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** [used, total] bytes, or null. */
    private long[] memory() {
        try {
            List<String> lines = Files.readAllLines(proc.resolve("meminfo"));
            long total = -1;
            long available = -1;
            for (String l : lines) {
                if (l.startsWith("MemTotal:")) total = kib(l);
                else if (l.startsWith("MemAvailable:")) available = kib(l);
            }
            if (total <= 0 || available < 0) return null;
            return new long[] {Math.max(0, total - available), total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long kib(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }

    private static Path existing(Path p) {
        Path q = p.toAbsolutePath();
        while (q != null && !Files.exists(q)) q = q.getParent();
        return q == null ? Path.of("/") : q;
    }
}
