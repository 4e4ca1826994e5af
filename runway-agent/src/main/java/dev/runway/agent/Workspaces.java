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

/** Job workspaces under the work directory: removal after each job, and of leftovers after a crash. */
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

    /** Removes every workspace and spool file a previous run left behind; returns how many entries were removed. */
    static int removeLeftovers(Path workDir) {
        int n = 0;
        if (!Files.isDirectory(workDir)) return 0;
        try (Stream<Path> s = Files.list(workDir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.equals(".steps") || name.equals(".actions")) continue; // .actions: cached actions
                deleteRecursively(p);
                n++;
            }
        } catch (IOException e) {
            log.warn("cannot clean {}: {}", workDir, e.toString());
        }
        return n;
    }

    /**
     * Removes workspaces and spool files of jobs that are not running (those in {@code keep}, by {@code
     * <job>-<attempt>}); returns how many it removed.
     */
    static int removeStale(Path workDir, java.util.Set<String> keep) {
        int n = 0;
        for (Path dir : java.util.List.of(workDir, workDir.resolve(".spool"))) {
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
