package dev.runway.bench;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Idle long-polling runners on one control plane: the control plane runs as its own process with a 512 MB heap
 * (SQLite), N registered runners each hold a long-poll over a real loopback HTTP connection, and the table shows what
 * the held polls cost while nothing happens (heap, RSS, CPU), how fast a probe job reaches one of them, and whether
 * the server stops cleanly on SIGTERM under that load. {@code -Drunway.bench.serverClasspath=…} runs another build's
 * server (the build before a change) for a ratio in the same run.
 */
final class PollersBench {
    static final long HEAP_LIMIT_MB = 512;

    record Row(int pollers, int waiting, double heapMb, double rssMb, double idleCpu, Stats probe, double stopSecs) {
        boolean ok() {
            return waiting >= pollers
                    && heapMb <= HEAP_LIMIT_MB
                    && probe != null
                    && probe.p50() <= 10
                    && stopSecs <= 10;
        }
    }

    static void run(List<Integer> counts, int probes) throws Exception {
        String cp = System.getProperty("runway.bench.serverClasspath", System.getProperty("java.class.path"));
        System.out.printf(
                "## Idle long-polling runners: one control plane process (SQLite, -Xmx%dm), N runners each holding a"
                        + " poll over loopback HTTP%s%n",
                HEAP_LIMIT_MB, cp.equals(System.getProperty("java.class.path")) ? "" : " (server: " + cp + ")");
        System.out.printf(
                "%8s %8s %8s %8s %10s %12s %12s %8s   %s%n",
                "pollers",
                "waiting",
                "heap MB",
                "RSS MB",
                "idle cpu %",
                "probe p50 ms",
                "probe p99 ms",
                "stop s",
                "target: all waiting, heap <= 512 MB, probe p50 <= 10 ms, stop on SIGTERM <= 10 s");
        for (int n : counts) {
            Row r = measure(cp, n, probes);
            System.out.printf(
                    "%8d %8d %8.0f %8.0f %10.1f %12s %12s %8.1f   %s%n",
                    r.pollers(),
                    r.waiting(),
                    r.heapMb(),
                    r.rssMb(),
                    r.idleCpu(),
                    r.probe() == null ? "-" : String.format("%.2f", r.probe().p50()),
                    r.probe() == null ? "-" : String.format("%.2f", r.probe().p99()),
                    r.stopSecs(),
                    Bench.verdict(r.ok()));
        }
        System.out.println();
    }

    static Row measure(String cp, int n, int probes) throws Exception {
        Path dir = Files.createTempDirectory("runway-bench-pollers-");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(
                        java,
                        "-Xmx" + HEAP_LIMIT_MB + "m",
                        "-cp",
                        cp,
                        "dev.runway.cli.Main",
                        "server",
                        "--port",
                        Integer.toString(port),
                        "--data-dir",
                        dir.toString(),
                        "--long-poll-max",
                        "30s")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile())
                .start();
        String url = "http://127.0.0.1:" + port;
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
        AtomicBoolean over = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger pollErrors = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Bench.awaitUntil(() -> Files.exists(dir.resolve("server.url")), Duration.ofSeconds(60));
            String admin = Files.readString(dir.resolve("admin-token")).strip();
            String token = Http.send(
                            url,
                            "POST",
                            ApiPaths.REGISTRATION_TOKENS,
                            admin,
                            new RegistrationTokenRequest("1h", n),
                            null)
                    .as(RegistrationTokenView.class)
                    .token();
            // register with a few at a time (registration is a write), then hold one poll each
            List<RegisterResponse> runners = new ArrayList<>();
            Semaphore registering = new Semaphore(8);
            List<java.util.concurrent.Future<RegisterResponse>> regs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "idle-" + i;
                regs.add(threads.submit(() -> {
                    registering.acquire();
                    try {
                        return Http.send(
                                        url,
                                        "POST",
                                        ApiPaths.RUNNERS_REGISTER,
                                        null,
                                        new RegisterRequest(token, name, List.of("idle"), 1, "bench"),
                                        null)
                                .as(RegisterResponse.class);
                    } finally {
                        registering.release();
                    }
                }));
            }
            for (var f : regs) runners.add(f.get());
            BlockingQueue<Long> delivered = new ArrayBlockingQueue<>(probes + 10);
            for (RegisterResponse r : runners)
                threads.submit(() -> {
                    while (!over.get()) {
                        HttpResponse<byte[]> a;
                        try {
                            a = client.send(
                                    HttpRequest.newBuilder(URI.create(url + ApiPaths.RUNNER_JOBS_NEXT))
                                            .timeout(Duration.ofSeconds(90))
                                            .header("Authorization", "Bearer " + r.credential())
                                            .POST(HttpRequest.BodyPublishers.ofString("{\"waitSeconds\":30}"))
                                            .header("Content-Type", "application/json")
                                            .build(),
                                    HttpResponse.BodyHandlers.ofByteArray());
                        } catch (Exception e) {
                            if (over.get()) return; // the server went away
                            pollErrors.incrementAndGet(); // refused or reset (a full accept queue): as agents do, again
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException stop) {
                                return;
                            }
                            continue;
                        }
                        long at = System.nanoTime();
                        if (a.statusCode() != 200) continue;
                        Assignment as = new Http.Answer(200, a.body()).as(Assignment.class);
                        delivered.add(at);
                        Bench.finish(url, as);
                    }
                    return;
                });
            int waiting = awaitWaiting(url, admin, n, Duration.ofMinutes(3));
            // idle: what the held polls cost while nothing happens
            long cpu0 = cpuTicks(server.pid());
            long t0 = System.nanoTime();
            Thread.sleep(5_000); // a measurement window, not synchronisation
            double idleCpu = (cpuTicks(server.pid()) - cpu0) / 100.0 / ((System.nanoTime() - t0) / 1e9) * 100;
            double heap = metric(url, admin, "jvm_memory_used_bytes\\{area=\"heap\"\\}") / 1e6;
            double rss = rssKb(server.pid()) / 1e3;
            // probes: a job any of them can take, one at a time
            long[] lat = new long[probes];
            for (int i = 0; i < probes; i++) {
                long s = System.nanoTime();
                Bench.submit(url, admin, Bench.job("idle", "true"));
                Long at = delivered.poll(30, TimeUnit.SECONDS);
                lat[i] = at == null ? TimeUnit.SECONDS.toNanos(30) : at - s;
                awaitWaiting(url, admin, n, Duration.ofSeconds(30));
            }
            // stop under load
            long s0 = System.nanoTime();
            over.set(true);
            server.destroy();
            boolean stopped = server.waitFor(30, TimeUnit.SECONDS);
            double stop = stopped ? (System.nanoTime() - s0) / 1e9 : 999;
            if (pollErrors.get() > 0)
                System.err.printf(
                        "  (%d polls of %d runners failed to connect and were retried)%n", pollErrors.get(), n);
            return new Row(n, waiting, heap, rss, idleCpu, Stats.of(lat), stop);
        } finally {
            over.set(true);
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            threads.shutdownNow();
            client.shutdownNow();
        }
    }

    /** Polls the server's gauge every 20 ms (not faster: each read is a request) until {@code n} polls wait. */
    static int awaitWaiting(String url, String admin, int n, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long report = System.nanoTime();
        int w;
        while ((w = waiting(url, admin)) < n) {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("only " + w + " of " + n + " polls waiting after " + max);
            if (System.nanoTime() - report > 10_000_000_000L) {
                System.err.printf("  (%d of %d polls waiting)%n", w, n);
                report = System.nanoTime();
            }
            Thread.sleep(20);
        }
        return w;
    }

    static int waiting(String url, String admin) {
        try {
            return (int) metric(url, admin, "runway_polls_waiting");
        } catch (RuntimeException e) {
            return -1;
        }
    }

    static double metric(String url, String admin, String name) {
        String text = new String(
                Http.send(url, "GET", ApiPaths.METRICS, admin, null, null).body());
        double sum = 0;
        boolean found = false;
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(text);
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        if (!found) throw new IllegalStateException("no metric " + name);
        return sum;
    }

    static long cpuTicks(long pid) throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat"))
                .replaceAll("^.*\\) ", "")
                .split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, in clock ticks (100/s)
    }

    static long rssKb(long pid) throws java.io.IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        return -1;
    }

    private PollersBench() {}
}
