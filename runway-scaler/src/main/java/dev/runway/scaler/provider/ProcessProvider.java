package dev.runway.scaler.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runners as processes on this machine: each instance gets a directory under the state dir ({@code
 * <state>/<pool>/<instance>/}) holding {@code instance.json} (its labels, pid and the process's start time, so a
 * reused pid is never mistaken for it), the agent's data dir and its output ({@code agent.log}). The process runs in
 * its own session ({@code setsid}), so a Ctrl-C aimed at the scaler does not kill the runners; a restarted scaler
 * finds them through these files.
 */
public final class ProcessProvider implements Provider {
    private static final ObjectMapper JSON = Json.lenient();
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** What {@code instance.json} holds. */
    record Record(
            String name,
            String pool,
            String variant,
            Map<String, String> labels,
            long pid,
            Instant processStart,
            Instant createdAt) {}

    private final Path poolDir;
    private final String pool;
    private final String scalerId;

    public ProcessProvider(Path stateDir, String scalerId, String pool) {
        this.poolDir = stateDir.resolve(pool);
        this.pool = pool;
        this.scalerId = scalerId;
    }

    @Override
    public Instance start(Launch launch) throws IOException {
        Path dir = poolDir.resolve(launch.name());
        Files.createDirectories(dir.resolve("data"));
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.addAll(launch.command());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // the runner gets what the launch gives, not the scaler's own secrets (its API token above all)
        pb.environment().keySet().removeIf(k -> k.startsWith("RUNWAY_"));
        pb.environment().putAll(launch.env());
        pb.environment().put("RUNWAY_DATA_DIR", dir.resolve("data").toString());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start " + launch.command().getFirst() + ": " + e.getMessage(), e);
        }
        Instant started = p.info().startInstant().orElse(Instant.now());
        Instant now = Instant.now();
        Record r = new Record(launch.name(), launch.pool(), launch.variant(), launch.labels(), p.pid(), started, now);
        Path tmp = dir.resolve("instance.json.tmp");
        JSON.writeValue(tmp.toFile(), r);
        Files.move(tmp, dir.resolve("instance.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return new Instance(launch.name(), launch.pool(), launch.variant(), now, true, "pid " + p.pid());
    }

    @Override
    public List<Instance> list() throws IOException {
        if (!Files.isDirectory(poolDir)) return List.of();
        List<Instance> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(poolDir)) {
            for (Path dir : dirs.sorted().toList()) {
                Record r = read(dir);
                if (r == null || !scalerId.equals(r.labels().get(Labels.SCALER))) continue;
                Optional<ProcessHandle> h = handle(r);
                out.add(new Instance(
                        r.name(),
                        r.pool(),
                        r.variant(),
                        r.createdAt(),
                        h.isPresent(),
                        h.isPresent() ? "pid " + r.pid() : "process " + r.pid() + " exited"));
            }
        }
        return out;
    }

    @Override
    public void remove(String instanceName) throws IOException {
        Path dir = poolDir.resolve(instanceName);
        Record r = read(dir);
        if (r != null) {
            Optional<ProcessHandle> h = handle(r);
            if (h.isPresent()) stop(h.get());
        }
        deleteTree(dir);
    }

    /** SIGTERM (the agent finishes or hands back what it runs), then SIGKILL to it and whatever it started. */
    private static void stop(ProcessHandle h) {
        List<ProcessHandle> tree = new ArrayList<>(h.descendants().toList());
        h.destroy();
        try {
            h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
        }
        tree.forEach(ProcessHandle::destroyForcibly);
    }

    private Optional<ProcessHandle> handle(Record r) {
        return ProcessHandle.of(r.pid())
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.info()
                        .startInstant()
                        .map(s -> Math.abs(Duration.between(s, r.processStart()).toMillis()) < 2000)
                        .orElse(true));
    }

    private static Record read(Path dir) {
        Path f = dir.resolve("instance.json");
        if (!Files.isRegularFile(f)) return null;
        try {
            return JSON.readValue(f.toFile(), Record.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public String toString() {
        return "process provider for " + pool + " in " + poolDir;
    }
}
