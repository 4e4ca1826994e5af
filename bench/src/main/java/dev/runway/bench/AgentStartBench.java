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
 * start first (it makes the launcher's archive, as the first start on a machine does), then the median of the
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
                        + " starts once the launcher's archive is made%n",
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
            for (var b : builds.entrySet()) {
                Row r = measure(b.getKey(), b.getValue().root(), b.getValue().env(), env.url(), token, starts);
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

    static Row measure(String name, Path root, Map<String, String> vars, String url, String token, int starts)
            throws Exception {
        Path cds = Files.createTempDirectory("runway-bench-cds-");
        long[] ready = new long[starts];
        double[] cpu = new double[starts];
        double[] rss = new double[starts];
        int warmups = 0;
        for (int i = -1; i < starts; i++) {
            if (i == 0 && !archived(cds) && warmups++ < 2) {
                // an AOT cache is made by the start after the first, in the background: start again, then wait for
                // it (an old launcher's CDS archive is there after the first)
                if (warmups == 2) {
                    try {
                        Bench.awaitUntil(() -> archived(cds), Duration.ofSeconds(60));
                    } catch (IllegalStateException e) {
                        System.err.println("  (no launcher archive for " + root + ": measured without)");
                    }
                } else {
                    i = -1;
                }
            }
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
                long ticks = PollersBench.cpuTicks(p.pid());
                if (i >= 0) {
                    ready[i] = at - t0;
                    cpu[i] = ticks / 100.0;
                    Thread.sleep(3_000); // a measurement window, not synchronisation
                    rss[i] = PollersBench.rssKb(p.pid()) / 1e3;
                }
            } finally {
                p.destroy(); // SIGTERM: the agent leaves, and (first start) the JVM writes the launcher's archive
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }
        java.util.Arrays.sort(cpu);
        java.util.Arrays.sort(rss);
        return new Row(name, Stats.of(ready), cpu[starts / 2], rss[starts / 2]);
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
