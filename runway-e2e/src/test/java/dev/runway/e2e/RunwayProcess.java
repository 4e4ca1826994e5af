package dev.runway.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One `runway ...` command running as its own JVM process, started from the test classpath (the same classes
 * the fat jar holds). Its stdout and stderr go to a file so a failing test can show them.
 */
final class RunwayProcess implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final Path errors; // stderr, when kept apart from stdout; else null
    private final String label;

    private RunwayProcess(Process process, Path output, Path errors, String label) {
        this.process = process;
        this.output = output;
        this.errors = errors;
        this.label = label;
    }

    static RunwayProcess start(Path logDir, String label, Map<String, String> env, List<String> args) {
        return start(logDir, label, env, args, null);
    }

    /** As above, in the working directory {@code cwd} (null: this process's). */
    static RunwayProcess start(Path logDir, String label, Map<String, String> env, List<String> args, Path cwd) {
        return start(logDir, label, env, args, cwd, null);
    }

    /** As above, with standard input read from {@code stdin} (null: none). */
    static RunwayProcess start(
            Path logDir, String label, Map<String, String> env, List<String> args, Path cwd, Path stdin) {
        return start(logDir, label, env, args, cwd, stdin, false);
    }

    /**
     * As above; with {@code splitStderr} stderr (where logs go) is written to a file of its own, read with {@link
     * #stderr()}, and {@link #output()} is stdout only.
     */
    static RunwayProcess start(
            Path logDir,
            String label,
            Map<String, String> env,
            List<String> args,
            Path cwd,
            Path stdin,
            boolean splitStderr) {
        try {
            Files.createDirectories(logDir);
            Path out = Files.createTempFile(logDir, label + "-", ".log");
            Path err = splitStderr ? Files.createTempFile(logDir, label + "-", ".stderr.log") : null;
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.add("-Xmx256m");
            cmd.add("-XX:TieredStopAtLevel=1");
            // pauses, to tell a starved process from a collecting one when a timing test misses
            cmd.add("-Xlog:gc:file=" + out + ".gc:time,uptime");
            // as the fat jar's manifest does (SQLite's native library): no JVM warning among the logs
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("dev.runway.cli.Main");
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile());
            if (err == null) pb.redirectErrorStream(true);
            else pb.redirectError(err.toFile());
            if (cwd != null) pb.directory(cwd.toFile());
            if (stdin != null) pb.redirectInput(stdin.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("RUNWAY_"));
            pb.environment().putAll(env);
            return new RunwayProcess(pb.start(), out, err, label);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "<cannot read " + output + ": " + e + ">";
        }
    }

    /** What the process wrote to stderr, when started with it kept apart (else: everything it printed). */
    String stderr() {
        if (errors == null) return output();
        try {
            return Files.readString(errors);
        } catch (IOException e) {
            return "<cannot read " + errors + ": " + e + ">";
        }
    }

    /** Waits until the process printed {@code text} (or fails with its output). */
    RunwayProcess awaitOutput(String text, Duration timeout) {
        await(label + " prints '" + text + "'")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive() && !output().contains(text)) {
                        throw new AssertionError(label + " exited with " + process.exitValue() + ":\n" + output()
                                + (errors == null ? "" : stderr()));
                    }
                    return output().contains(text);
                });
        return this;
    }

    long pid() {
        return process.pid();
    }

    /** The process's children and their children (e.g. the step a killed agent was running). */
    java.util.List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int awaitExit(Duration timeout) {
        await(label + " exits").atMost(timeout).until(() -> !process.isAlive());
        return process.exitValue();
    }

    /** SIGKILL: the process gets no chance to clean up (a crash). */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM: a graceful stop. */
    void terminate() {
        process.destroy();
    }

    String label() {
        return label;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
