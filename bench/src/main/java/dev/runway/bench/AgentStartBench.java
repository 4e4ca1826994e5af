package dev.runway.bench;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A runner agent's start-up as a scaler's ephemeral runner sees it: {@code bin/runway agent} started as its own
 * process through the real launcher (so its JVM options and class-data archives count), with a fresh data dir, so
 * each start registers. Start to ready is from the launch to the agent's "ready" log line (registered, about to
 * hold its first poll); CPU is what the process used until then; idle RSS is read 3 s after ready. One unmeasured
 * start or two first (they make the launcher's archive, as the first starts on a machine do), then the median of the
 * measured ones. {@code -Drunway.bench.agentBefore=DIR} adds the same rows for another source tree (the build
 * before a change, with its runway-cli/target/runway.jar built), for a ratio in the same run.
 */
final class AgentStartBench {
    static final double READY_MS = 400;
    static final double RSS_MB = 80;

    record Row(String build, Stats readyMs, double cpuSecs, double rssMb) {
        boolean ok() {
            return readyMs.p50() <= READY_MS && rssMb <= RSS_MB;
        }
    }

    static void run(int starts) throws Exception {
        record Build(Path root, Map<String, String> env) {}
        Map<String, Build> builds = new LinkedHashMap<>();
        String before = System.getProperty("runway.bench.agentBefore");
        if (before != null)
            builds.put("before: " + before, new Build(Path.of(before).toAbsolutePath(), Map.of()));
        Path root = Path.of(System.getProperty("runway.bench.root", ".")).toAbsolutePath();
        builds.put("this build, CDS archive (RUNWAY_AOT=0)", new Build(root, Map.of("RUNWAY_AOT", "0")));
        builds.put("this build", new Build(root, Map.of()));
        System.out.printf(
                "## Agent start: bin/runway agent as its own process, fresh data dir (registers), median of %d"
                        + " starts once the launcher's archive is made, the builds' starts interleaved%n",
                starts);
        System.out.printf(
                "%-42s %14s %14s %14s %10s   %s%n",
                "build",
                "ready p50 ms",
                "ready max ms",
                "CPU-s to ready",
                "idle RSS MB",
                "target: start to ready <= " + (int) READY_MS + " ms, idle RSS <= " + (int) RSS_MB + " MB");
        List<Row> rows = new ArrayList<>();
        try (Bench.Env env = Bench.start("sqlite")) {
            String token = Http.send(
                            env.url(),
                            "POST",
                            ApiPaths.REGISTRATION_TOKENS,
                            env.admin(),
                            new RegistrationTokenRequest("1h", (starts + 3) * builds.size()),
                            null)
                    .as(RegistrationTokenView.class)
                    .token();
            // each build's archive first, then one start of each build in turn, so every row sees the same load
            List<Build> order = new ArrayList<>(builds.values());
            List<Path> archives = new ArrayList<>();
            for (Build b : order) archives.add(prepare(b.root(), b.env(), env.url(), token));
            long[][] ready = new long[order.size()][starts];
            double[][] cpu = new double[order.size()][starts];
            double[][] rss = new double[order.size()][starts];
            for (int i = 0; i < starts; i++) {
                for (int k = 0; k < order.size(); k++) {
                    Sample x =
                            startOnce(order.get(k).root(), order.get(k).env(), archives.get(k), env.url(), token, true);
                    ready[k][i] = x.readyNanos();
                    cpu[k][i] = x.cpuSecs();
                    rss[k][i] = x.rssMb();
                }
            }
            List<String> names = new ArrayList<>(builds.keySet());
            for (int k = 0; k < order.size(); k++) {
                java.util.Arrays.sort(cpu[k]);
                java.util.Arrays.sort(rss[k]);
                Row r = new Row(names.get(k), Stats.of(ready[k]), cpu[k][starts / 2], rss[k][starts / 2]);
                rows.add(r);
                System.out.printf(
                        "%-42s %14.0f %14.0f %14.2f %10.0f   %s%n",
                        r.build(), r.readyMs().p50(), r.readyMs().max(), r.cpuSecs(), r.rssMb(), Bench.verdict(r.ok()));
            }
        }
        Row last = rows.get(rows.size() - 1);
        for (Row r : rows.subList(0, rows.size() - 1))
            System.out.printf(
                    "ratio this build / %s: ready p50 %.2f, CPU %.2f, RSS %.2f%n",
                    r.build(),
                    last.readyMs().p50() / r.readyMs().p50(),
                    last.cpuSecs() / r.cpuSecs(),
                    last.rssMb() / r.rssMb());
        System.out.println();
    }

    record Sample(long readyNanos, double cpuSecs, double rssMb) {}

    /**
     * Starts the build until its launcher's archive exists (an AOT cache is made by the start after the first, in
     * the background; an old launcher's CDS archive is there after the first); returns the archive directory.
     */
    static Path prepare(Path root, Map<String, String> vars, String url, String token) throws Exception {
        Path cds = Files.createTempDirectory("runway-bench-cds-");
        for (int i = 0; i < 2 && !archived(cds); i++) startOnce(root, vars, cds, url, token, false);
        try {
            Bench.awaitUntil(() -> archived(cds), Duration.ofSeconds(60));
        } catch (IllegalStateException e) {
            System.err.println("  (no launcher archive for " + root + ": measured without)");
        }
        return cds;
    }

    /** One start of {@code bin/runway agent} with a fresh data dir, until ready; measured when {@code measure}. */
    static Sample startOnce(Path root, Map<String, String> vars, Path cds, String url, String token, boolean measure)
            throws Exception {
        Path data = Files.createTempDirectory("runway-bench-agent-");
        ProcessBuilder pb = new ProcessBuilder(
                        root.resolve("bin/runway").toString(),
                        "agent",
                        "--url",
                        url,
                        "--token",
                        token,
                        "--name",
                        "start-" + data.getFileName(),
                        "--labels",
                        "agent-start-bench",
                        "--data-dir",
                        data.toString())
                .redirectErrorStream(true);
        pb.environment().put("RUNWAY_CDS_DIR", cds.toString());
        pb.environment().putAll(vars);
        pb.environment()
                .put(
                        "JAVA_HOME",
                        ProcessHandle.current()
                                .info()
                                .command()
                                .map(c -> Path.of(c).getParent().getParent().toString())
                                .orElseThrow());
        long t0 = System.nanoTime();
        Process p = pb.start();
        CompletableFuture<Long> readyAt = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.contains(" ready: labels")) readyAt.complete(System.nanoTime());
                    if (log.length() < 20_000) log.append(l).append('\n');
                }
            } catch (Exception e) {
                // the process went away
            }
            readyAt.complete(-1L);
        });
        try {
            long at = readyAt.get(60, TimeUnit.SECONDS);
            if (at < 0) throw new IllegalStateException("the agent (" + root + ") exited before ready:\n" + log);
            double cpu = PollersBench.cpuTicks(p.pid()) / 100.0;
            if (!measure) return null;
            Thread.sleep(3_000); // a measurement window, not synchronisation
            return new Sample(at - t0, cpu, PollersBench.rssKb(p.pid()) / 1e3);
        } finally {
            p.destroy(); // SIGTERM: the agent leaves, and (first start) the JVM writes the launcher's record
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    /** Whether the launcher's archive of the agent command is there (an AOT cache, or a CDS archive before 25). */
    static boolean archived(Path cds) {
        try (var files = Files.list(cds)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(f -> f.startsWith("agent.") && (f.endsWith(".aot") || f.endsWith(".jsa")));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private AgentStartBench() {}
}
