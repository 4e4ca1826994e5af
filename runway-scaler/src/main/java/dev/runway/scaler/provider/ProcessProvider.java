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
 *
 * <p>With the runway agent command given, the provider keeps one agent JVM started ahead of need ({@code runway
 * agent-standby}, in {@code <pool>/.standby-*}): it is no runner, holds no credential and takes no job, but its JVM
 * is up. A launch of that agent is handed to it (its command line and registration token over its standard input,
 * never on a command line), its directory renamed to the instance's, and the next standby started: a new runner is
 * ready in the time a registration takes rather than a JVM start (about 0.3 s instead of 2 s on 2 cores). A standby
 * ends by itself when the scaler goes away (end of its input).
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
    private final List<String> agentCommand;
    private Standby standby;

    /** A pre-started agent JVM waiting for its launch. */
    private record Standby(Process process, Path dir) {}

    public ProcessProvider(Path stateDir, String scalerId, String pool) {
        this(stateDir, scalerId, pool, null);
    }

    /**
     * @param agentCommand the runway agent's command ({@code java … dev.runway.cli.Main agent}); launches of it are
     *     served by a pre-started standby. Null: every launch starts a new process.
     */
    public ProcessProvider(Path stateDir, String scalerId, String pool, List<String> agentCommand) {
        this.poolDir = stateDir.resolve(pool);
        this.pool = pool;
        this.scalerId = scalerId;
        this.agentCommand = agentCommand == null || agentCommand.isEmpty() ? null : List.copyOf(agentCommand);
        if (this.agentCommand != null) {
            removeStaleStandbys();
            Thread.ofVirtual().start(this::prestart);
        }
    }

    @Override
    public Instance start(Launch launch) throws IOException {
        if (servedByStandby(launch)) {
            Instance i = handOff(launch);
            if (i != null) return i;
        }
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

    private boolean servedByStandby(Launch launch) {
        List<String> c = launch.command();
        return agentCommand != null
                && c.size() >= agentCommand.size()
                && c.subList(0, agentCommand.size()).equals(agentCommand)
                // a standby's environment is the scaler's: it can take RUNWAY_* settings, not other variables
                && launch.env().keySet().stream().allMatch(k -> k.startsWith("RUNWAY_"));
    }

    /** The launch given to the standby (null if there is none alive: the caller starts a process). */
    private Instance handOff(Launch launch) throws IOException {
        Standby s;
        synchronized (this) {
            s = standby;
            standby = null;
        }
        Thread.ofVirtual().start(this::prestart);
        if (s == null || !s.process().isAlive()) {
            if (s != null) deleteTree(s.dir());
            return null;
        }
        Path dir = poolDir.resolve(launch.name());
        Files.move(s.dir(), dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // its cwd and log follow
        Process p = s.process();
        Instant now = Instant.now();
        writeRecord(
                dir,
                new Record(
                        launch.name(),
                        launch.pool(),
                        launch.variant(),
                        launch.labels(),
                        p.pid(),
                        p.info().startInstant().orElse(now),
                        now));
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>(launch.env());
        env.put("RUNWAY_DATA_DIR", dir.resolve("data").toString());
        List<String> args = launch.command()
                .subList(agentCommand.size() - 1, launch.command().size());
        try (var in = p.getOutputStream()) {
            in.write(JSON.writeValueAsBytes(java.util.Map.of("args", args, "env", env)));
            in.write('\n');
        }
        return new Instance(launch.name(), launch.pool(), launch.variant(), now, true, "pid " + p.pid());
    }

    /** Starts the next standby (one per pool). */
    private void prestart() {
        synchronized (this) {
            if (standby != null && standby.process().isAlive()) return;
        }
        try {
            Path dir = poolDir.resolve(".standby-" + Long.toString(System.nanoTime(), 36));
            Files.createDirectories(dir.resolve("data"));
            List<String> cmd = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
            cmd.addAll(agentCommand.subList(0, agentCommand.size() - 1));
            cmd.add("agent-standby");
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("agent.log").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("RUNWAY_"));
            Process p = pb.start();
            synchronized (this) {
                if (standby == null) {
                    standby = new Standby(p, dir);
                    return;
                }
            }
            p.getOutputStream().close(); // raced with another prestart: this one ends at once
            deleteTree(dir);
        } catch (IOException e) {
            // no standby: launches start their own process
        }
    }

    private void removeStaleStandbys() {
        if (!Files.isDirectory(poolDir)) return;
        try (Stream<Path> dirs = Files.list(poolDir)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(".standby-"))
                    .toList()) deleteTree(d);
        } catch (IOException ignored) {
            // a previous scaler's standby ends by itself (its input closed); its directory is tried again next start
        }
    }

    /** Ends the standby (launched instances keep running). */
    @Override
    public void close() {
        Standby s;
        synchronized (this) {
            s = standby;
            standby = null;
        }
        if (s == null) return;
        try {
            s.process().getOutputStream().close();
            s.process().destroy();
            deleteTree(s.dir());
        } catch (IOException ignored) {
            // it ends with its input anyway
        }
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

    private static void writeRecord(Path dir, Record r) throws IOException {
        Path tmp = dir.resolve("instance.json.tmp");
        JSON.writeValue(tmp.toFile(), r);
        Files.move(tmp, dir.resolve("instance.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
