package dev.runway.agent.isolation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers the process group of every running step in {@code <work-dir>/.steps/<pgid>}, so an agent that was
 * killed can, on its next start, kill what its steps left running.
 */
public final class StepTracker {
    private static final Logger log = LoggerFactory.getLogger(StepTracker.class);
    private final Path dir;

    public StepTracker(Path workDir) {
        this.dir = workDir.resolve(".steps");
    }

    public void started(long pgid) {
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve(Long.toString(pgid)),
                    ProcessHandle.of(pgid)
                            .flatMap(h -> h.info().startInstant())
                            .map(Object::toString)
                            .orElse(""));
        } catch (IOException e) {
            log.warn("cannot record step process {}: {}", pgid, e.toString());
        }
    }

    public void finished(long pgid) {
        try {
            Files.deleteIfExists(dir.resolve(Long.toString(pgid)));
        } catch (IOException e) {
            log.warn("cannot forget step process {}: {}", pgid, e.toString());
        }
    }

    /** Kills the process groups recorded by a previous run of the agent; returns how many were found alive. */
    public int reapLeftovers() {
        if (!Files.isDirectory(dir)) return 0;
        int reaped = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                long pgid;
                try {
                    pgid = Long.parseLong(f.getFileName().toString());
                } catch (NumberFormatException e) {
                    Files.deleteIfExists(f);
                    continue;
                }
                if (ProcessGroups.signal(pgid, "KILL")) {
                    reaped++;
                    log.info("killed process group {} left by a previous agent run", pgid);
                }
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            log.warn("cannot reap leftover steps: {}", e.toString());
        }
        return reaped;
    }
}
