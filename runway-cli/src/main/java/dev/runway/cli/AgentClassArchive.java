package dev.runway.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class-data-sharing archive of the agent's classes for the JVMs the process provider starts: an ephemeral runner
 * is a JVM per job, and most of its start is loading and verifying classes. Measured on 2 cores with the fat jar: an
 * ephemeral agent's whole life (start, register, one job, exit) took 2.1 CPU-seconds without the archive and 1.4 with
 * it. Made once per class path (by an {@code agent-standby} that exits as soon as it has loaded its classes) and
 * written atomically; the JVM ignores an archive that does not match and runs as before. Only for a class path of
 * jars (the distribution): the JVM cannot archive classes from directories.
 */
public final class AgentClassArchive {
    private AgentClassArchive() {}

    /** The archive for this Java and class path under {@code dir}, made if missing; null where none can be used. */
    public static Path ensure(String javaBin, List<String> jvmFlags, String classPath, Path dir) {
        List<String> entries = List.of(classPath.split(File.pathSeparator));
        if (entries.isEmpty() || !entries.stream().allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e))))
            return null;
        long stamp = (javaBin + classPath).hashCode();
        for (String e : entries) {
            try {
                stamp = stamp * 31 + Files.getLastModifiedTime(Path.of(e)).toMillis();
            } catch (IOException ex) {
                return null;
            }
        }
        Path archive = dir.resolve("agent-classes-" + Long.toHexString(stamp) + ".jsa");
        if (Files.isRegularFile(archive)) return archive;
        try {
            Files.createDirectories(dir);
            Path work = Files.createTempDirectory(dir, ".cds-");
            Path tmp = work.resolve("agent.jsa");
            List<String> cmd = new ArrayList<>();
            cmd.add(javaBin);
            cmd.addAll(jvmFlags);
            cmd.add("-XX:ArchiveClassesAtExit=" + tmp);
            cmd.addAll(List.of("-cp", classPath, Main.class.getName(), "agent-standby"));
            Process p = new ProcessBuilder(cmd)
                    .directory(work.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("dump.log").toFile())
                    .start();
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly();
            if (done && p.exitValue() == 0 && Files.isRegularFile(tmp))
                Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE);
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
            return Files.isRegularFile(archive) ? archive : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
