package dev.runway.agent.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills an empty tool cache from what is installed on the host: JDKs under /usr/lib/jvm (version from their {@code
 * release} file) and node, go, python3 and mvn on PATH (version from running them). A tool that already has an entry
 * is left alone, so what an operator added with {@code runway tools add} is never overridden.
 */
public final class ToolDiscovery {
    private static final Logger log = LoggerFactory.getLogger(ToolDiscovery.class);
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?([^\"\\s]+)\"?");

    private record Probe(String tool, String command, List<String> args, Pattern version) {}

    private static final List<Probe> PROBES = List.of(
            new Probe("node", "node", List.of("--version"), Pattern.compile("v?(\\d+\\.\\d+\\.\\d+)")),
            new Probe("go", "go", List.of("version"), Pattern.compile("go(\\d+\\.\\d+(?:\\.\\d+)?)")),
            new Probe("python", "python3", List.of("--version"), Pattern.compile("Python (\\d+\\.\\d+\\.\\d+)")),
            new Probe("maven", "mvn", List.of("--version"), Pattern.compile("Apache Maven (\\d+\\.\\d+\\.\\d+)")));

    private ToolDiscovery() {}

    /** Discovers what the host has, with the usual places: /usr/lib/jvm and the agent's PATH. */
    public static List<ToolCache.Entry> discover(ToolCache cache) {
        return discover(cache, Path.of("/usr/lib/jvm"), System.getenv("PATH"));
    }

    public static List<ToolCache.Entry> discover(ToolCache cache, Path jvmDir, String path) {
        List<ToolCache.Entry> added = new ArrayList<>();
        try {
            if (cache.list("java").isEmpty()) added.addAll(jdks(cache, jvmDir));
            for (Probe p : PROBES) {
                if (!cache.list(p.tool()).isEmpty()) continue;
                ToolCache.Entry e = probe(cache, p, path);
                if (e != null) added.add(e);
            }
        } catch (IOException e) {
            log.warn("tool cache {}: discovery stopped: {}", cache.root(), e.toString());
        }
        for (ToolCache.Entry e : added) {
            log.info("tool cache: found {} {} at {}", e.tool(), e.version(), realPath(e.path()));
        }
        return added;
    }

    /** Every JDK under {@code jvmDir} with a release file, one entry per version. */
    static List<ToolCache.Entry> jdks(ToolCache cache, Path jvmDir) throws IOException {
        List<ToolCache.Entry> out = new ArrayList<>();
        if (!Files.isDirectory(jvmDir)) return out;
        Set<Path> seen = new HashSet<>();
        Set<String> versions = new HashSet<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(jvmDir)) {
            dirs = s.sorted().toList();
        }
        for (Path d : dirs) {
            Path release = d.resolve("release");
            if (!Files.isRegularFile(release) || !Files.isExecutable(d.resolve("bin/java"))) continue;
            if (!seen.add(d.toRealPath())) continue;
            Matcher m = JAVA_VERSION.matcher(Files.readString(release, StandardCharsets.UTF_8));
            if (!m.find()) continue;
            String v = javaVersion(m.group(1));
            if (!versions.add(v)) continue;
            out.add(cache.add("java", v, d));
        }
        return out;
    }

    /** {@code 1.8.0_392} → {@code 8.0.392}, as setup-java names Java 8; later versions unchanged. */
    static String javaVersion(String v) {
        if (v.startsWith("1.")) v = v.substring(2).replace('_', '.');
        return v.replaceAll("[^0-9.].*$", "");
    }

    private static ToolCache.Entry probe(ToolCache cache, Probe p, String path) throws IOException {
        Path exe = onPath(p.command(), path);
        if (exe == null) return null;
        Path real = exe.toRealPath();
        Path bin = real.getParent();
        if (bin == null
                || bin.getParent() == null
                || !bin.getFileName().toString().equals("bin")) return null;
        String output = run(exe, p.args());
        if (output == null) return null;
        Matcher m = p.version().matcher(output);
        if (!m.find()) return null;
        Path home = bin.getParent();
        if (p.tool().equals("maven")) { // /usr/bin/mvn → /usr/share/maven/bin/mvn: the home is in the output
            Matcher h = Pattern.compile("(?m)^Maven home: (.+)$").matcher(output);
            if (h.find()) home = Path.of(h.group(1).strip());
        }
        return cache.add(p.tool(), m.group(1), home);
    }

    static Path onPath(String command, String path) {
        if (path == null) return null;
        for (String d : path.split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, command);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return p;
        }
        return null;
    }

    private static String run(Path exe, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(args);
        try {
            Process proc = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            // read on another thread so a tool that hangs cannot hold the agent past the timeout
            var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            if (!proc.waitFor(15, TimeUnit.SECONDS)) {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                log.warn("tool cache: '{} {}' did not answer within 15 s", exe, String.join(" ", args));
                return null;
            }
            return output.get(5, TimeUnit.SECONDS);
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
