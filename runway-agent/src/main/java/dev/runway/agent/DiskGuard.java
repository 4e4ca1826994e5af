package dev.runway.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToLongFunction;

/**
 * Keeps a runner from taking jobs it cannot finish for lack of disk: before each poll the agent asks {@link
 * #problem()}; below the threshold it says why (the runner then reports itself unhealthy, cleans up and waits), and
 * says nothing once space has come back. The free-space reading is injected so tests can fill a disk without
 * filling one.
 */
final class DiskGuard {
    private final Path workDir;
    private final long minFreeBytes;
    private final ToLongFunction<Path> freeSpace;

    DiskGuard(Path workDir, long minFreeBytes, ToLongFunction<Path> freeSpace) {
        this.workDir = workDir;
        this.minFreeBytes = minFreeBytes;
        this.freeSpace = freeSpace;
    }

    DiskGuard(Path workDir, long minFreeBytes) {
        this(workDir, minFreeBytes, DiskGuard::usableSpace);
    }

    /** Null while there is enough space (or the check is off), else a reason for people. */
    String problem() {
        if (minFreeBytes <= 0) return null;
        long free = freeSpace.applyAsLong(workDir);
        if (free < 0 || free >= minFreeBytes) return null;
        return "low disk space: " + mib(free) + " free on the work directory " + workDir + ", below the minimum of "
                + mib(minFreeBytes) + " (--min-free-disk); taking no jobs until space is freed";
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1; // cannot tell: do not stop the runner for that
        }
    }
}
