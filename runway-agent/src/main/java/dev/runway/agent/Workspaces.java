package dev.runway.agent;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job workspaces and log spools in the agent's own folder ({@link WorkArea}): removal after each job, and of leftovers
 * after a crash or while disk space is short. Nothing outside that folder is ever looked at.
 */
final class Workspaces {
    private static final Logger log = LoggerFactory.getLogger(Workspaces.class);

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    d.toFile().setWritable(true, true); // a job may have made its files read-only
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }

    /**
     * Removes every workspace and spool file a previous run left behind in the agent's folder {@code area}; returns
     * how many entries were removed.
     */
    static int removeLeftovers(Path area) {
        int n = 0;
        if (!Files.isRegularFile(area.resolve(WorkArea.MARKER))) return 0; // not the agent's: never clean it
        try (Stream<Path> s = Files.list(area)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (KEPT.contains(name)) continue;
                deleteRecursively(p);
                n++;
            }
        } catch (IOException e) {
            log.warn("cannot clean {}: {}", area, e.toString());
        }
        return n;
    }

    /** What a clean-up leaves in the agent's folder: its mark, step records (reaped apart) and cached actions. */
    private static final java.util.Set<String> KEPT = java.util.Set.of(WorkArea.MARKER, ".steps", ".actions");

    /**
     * Removes workspaces and spool files in the agent's folder {@code area} of jobs that are not running (those in {@code keep}, by {@code
     * <job>-<attempt>}); returns how many it removed.
     */
    static int removeStale(Path area, java.util.Set<String> keep) {
        int n = 0;
        if (!Files.isRegularFile(area.resolve(WorkArea.MARKER))) return 0; // not the agent's: never clean it
        for (Path dir : java.util.List.of(area, area.resolve(".spool"))) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    String name = p.getFileName().toString();
                    if (name.startsWith(".")) continue; // .steps, .spool, step files of running jobs
                    String key = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
                    if (keep.contains(key)) continue;
                    deleteRecursively(p);
                    n++;
                }
            } catch (IOException e) {
                log.warn("cannot clean {}: {}", dir, e.toString());
            }
        }
        return n;
    }

    private Workspaces() {}
}
