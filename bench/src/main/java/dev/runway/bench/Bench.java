package dev.runway.bench;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.RunwayAgent;
import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.isolation.JobLimits;
import dev.runway.agent.output.SecretMasker;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runway's benchmarks (issues 2 and 4): dispatch latency, pickup latency, control-plane throughput with simulated
 * runners, end-to-end throughput with real agents — for SQLite and PostgreSQL — job start overhead per executor and
 * secret masking throughput (issue 5). Prints tables; run with bench/run.
 * The control plane, the simulated runners and the agents share this JVM (one machine, 2 cores): the figures
 * include the load generator's own CPU.
 */
public final class Bench {
    static int dispatchJobs = 300;
    static int pickupJobs = 100;
    static int throughputJobs = 2000;
    static int e2eJobs = 300;

    static boolean quickScaler;

    static List<Integer> pollerCounts = List.of(1_000, 5_000, 10_000);

    public static void main(String[] args) throws Exception {
        List<String> stores = List.of("sqlite", "postgresql");
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--store" -> stores = List.of(args[++i].split(","));
                case "--only" -> only.addAll(List.of(args[++i].split(",")));
                case "--quick" -> {
                    dispatchJobs = 100;
                    pickupJobs = 40;
                    throughputJobs = 600;
                    e2eJobs = 100;
                    quickScaler = true;
                }
                case "--pollers" ->
                    pollerCounts = java.util.Arrays.stream(args[++i].split(","))
                            .map(Integer::valueOf)
                            .toList();
                default ->
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (use --store sqlite,postgresql --only"
                            + " dispatch,pickup,throughput,claim,e2e,executors,masking,metrics,agent,scaler,pollers --quick"
                            + " --pollers 1000,5000,10000)");
            }
        }
        System.out.printf(
                "Runway benchmarks — %d cores, Java %s, %s%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), Instant.now());
        try {
            if (only.isEmpty() || only.contains("dispatch")) dispatchLatency(stores);
            if (only.isEmpty() || only.contains("pickup")) pickupLatency(stores);
            if (only.isEmpty() || only.contains("throughput")) controlPlaneThroughput(stores);
            if (only.isEmpty() || only.contains("claim"))
                ClaimCostBench.run(
                        stores, quickScaler ? List.of(10, 1_000, 10_000) : List.of(10, 100, 1_000, 10_000), 50);
            if (only.isEmpty() || only.contains("e2e")) endToEndThroughput(stores);
            if (only.isEmpty() || only.contains("executors")) executorStartOverhead();
            if (only.isEmpty() || only.contains("masking")) maskingThroughput();
            if (only.isEmpty() || only.contains("metrics")) metricsCost(stores);
            if (only.isEmpty() || only.contains("pollers")) PollersBench.run(pollerCounts, quickScaler ? 10 : 30);
            if (only.isEmpty() || only.contains("agent")) AgentStartBench.run(quickScaler ? 5 : 10);
            if (only.isEmpty() || only.contains("scaler"))
                ScalerBench.run(quickScaler ? 3 : 10, quickScaler ? 30 : 100);
        } finally {
            Stores.dropAll();
        }
        System.exit(0);
    }

    // ---- helpers

    record Env(RunwayServer server, Path dir) implements AutoCloseable {
        String url() {
            return server.url();
        }

        String admin() {
            return server.adminToken();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static Env start(String store) throws Exception {
        Path dir = Files.createTempDirectory("runway-bench-");
        return new Env(RunwayServer.start(Stores.config(store, dir)), dir);
    }

    static RegisterResponse register(Env env, String name, List<String> labels, int slots) {
        String token = Http.send(
                        env.url(),
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        env.admin(),
                        new RegistrationTokenRequest("1h", 1),
                        null)
                .as(RegistrationTokenView.class)
                .token();
        return Http.send(
                        env.url(),
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        new RegisterRequest(token, name, labels, slots, "bench"),
                        null)
                .as(RegisterResponse.class);
    }

    /** One long-poll of a simulated runner; null once the server is gone (the benchmark is over). */
    static Http.Answer poll(Env env, RegisterResponse r, int waitSeconds) {
        try {
            return Http.send(
                    env.url(), "POST", ApiPaths.RUNNER_JOBS_NEXT, r.credential(), new PollRequest(waitSeconds), null);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    static JobSpec job(String label, String run) {
        return new JobSpec("bench", List.of(label), Map.of(), List.of(StepSpec.of("s", run)), 600, 1);
    }

    static JobView submit(Env env, JobSpec spec) {
        return submit(env.url(), env.admin(), spec);
    }

    static JobView submit(String url, String admin, JobSpec spec) {
        return Http.send(url, "POST", ApiPaths.JOBS, admin, spec, null).as(JobView.class);
    }

    static void finish(Env env, Assignment a) {
        finish(env.url(), a);
    }

    /** Answers an assignment as a simulated runner: one log chunk, then success. */
    static void finish(String url, Assignment a) {
        Http.send(
                url,
                "POST",
                ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, a.jobId()) + "?offset=0",
                a.jobToken(),
                null,
                "hello from a simulated runner\n".getBytes(StandardCharsets.UTF_8));
        Http.send(
                url,
                "POST",
                ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, a.jobId()),
                a.jobToken(),
                new CompleteRequest(JobState.SUCCEEDED, null, List.of()),
                null);
    }

    static String verdict(boolean ok) {
        return ok ? "PASS" : "MISS";
    }

    static void awaitUntil(java.util.function.BooleanSupplier c, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("timed out waiting");
            Thread.sleep(0, 200_000);
        }
    }

    // ---- dispatch latency: enqueue -> delivered to an idle long-polling runner

    static void dispatchLatency(List<String> stores) throws Exception {
        System.out.println(
                "## Dispatch latency: enqueue -> job delivered to an idle long-polling runner (simulated runner, HTTP)");
        System.out.printf(
                "%-11s %6s %8s %8s %8s %8s   %s%n",
                "store", "jobs", "p50 ms", "p90 ms", "p99 ms", "max ms", "target p50<=5 p99<=20");
        for (String store : stores) {
            try (Env env = start(store)) {
                RegisterResponse r = register(env, "sim", List.of("dispatch"), 1);
                BlockingQueue<Long> delivered = new ArrayBlockingQueue<>(1);
                Thread runner = Thread.ofVirtual().start(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        Http.Answer a = poll(env, r, 30);
                        if (a == null) return;
                        long at = System.nanoTime();
                        if (a.status() != 200) continue;
                        Assignment as = a.as(Assignment.class);
                        finish(env, as);
                        delivered.add(at);
                    }
                });
                long[] lat = new long[dispatchJobs];
                for (int i = -20; i < dispatchJobs; i++) { // 20 warm-up jobs
                    awaitUntil(() -> env.server().waitingPolls() > 0, Duration.ofSeconds(10));
                    long t0 = System.nanoTime();
                    submit(env, job("dispatch", "true"));
                    long at = delivered.poll(30, TimeUnit.SECONDS);
                    if (i >= 0) lat[i] = at - t0;
                }
                runner.interrupt();
                Stats s = Stats.of(lat);
                System.out.printf(
                        "%-11s %6d %8.2f %8.2f %8.2f %8.2f   %s%n",
                        store, s.n(), s.p50(), s.p90(), s.p99(), s.max(), verdict(s.p50() <= 5 && s.p99() <= 20));
            }
        }
        System.out.println();
    }

    // ---- pickup latency: enqueue -> first step's process running (real agent, real bash)

    static void pickupLatency(List<String> stores) throws Exception {
        System.out.println(
                "## Pickup latency: enqueue -> first step's process running (real agent, bash step writes its start time)");
        System.out.printf(
                "%-11s %6s %8s %8s %8s %8s   %s%n",
                "store", "jobs", "p50 ms", "p90 ms", "p99 ms", "max ms", "target p50<=30 p99<=80");
        for (String store : stores) {
            try (Env env = start(store)) {
                RunwayAgent agent = agent(env, "pickup", 1);
                Thread t = Thread.ofPlatform().start(agent::run);
                Path marks = env.dir().resolve("marks");
                Files.createDirectories(marks);
                long[] lat = new long[pickupJobs];
                for (int i = -10; i < pickupJobs; i++) {
                    awaitUntil(() -> env.server().waitingPolls() > 0, Duration.ofSeconds(10));
                    Path mark = marks.resolve("m" + (i + 10));
                    Instant t0 = Instant.now();
                    JobView j = submit(env, job("pickup", "date +%s%N > " + mark));
                    awaitUntil(() -> Files.exists(mark) && size(mark) > 0, Duration.ofSeconds(30));
                    long startedEpochNanos =
                            Long.parseLong(Files.readString(mark).strip());
                    long submitted = t0.getEpochSecond() * 1_000_000_000L + t0.getNano();
                    if (i >= 0) lat[i] = startedEpochNanos - submitted;
                    awaitUntil(() -> state(env, j.id()).isTerminal(), Duration.ofSeconds(30));
                }
                agent.shutdown();
                t.join(10_000);
                Stats s = Stats.of(lat);
                System.out.printf(
                        "%-11s %6d %8.2f %8.2f %8.2f %8.2f   %s%n",
                        store, s.n(), s.p50(), s.p90(), s.p99(), s.max(), verdict(s.p50() <= 30 && s.p99() <= 80));
            }
        }
        System.out.println();
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (Exception e) {
            return 0;
        }
    }

    static JobState state(Env env, String id) {
        return Http.send(env.url(), "GET", ApiPaths.withId(ApiPaths.JOB, id), env.admin(), null, null)
                .as(JobView.class)
                .state();
    }

    // ---- job start overhead per executor: enqueue -> first step running, read from the step's own output

    static void executorStartOverhead() throws Exception {
        System.out.println("## Job start overhead per executor: enqueue -> first step running (real agent, sqlite;"
                + " the step prints its start time)");
        System.out.printf(
                "%-9s %6s %8s %8s %8s %8s %9s   %s%n",
                "executor",
                "jobs",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "vs shell",
                "target (p50: sandbox<=60, container<=1500)");
        Stats shell = null;
        for (String executor : List.of("shell", "sandbox", "container")) {
            if (executor.equals("container") && !containerReady()) continue;
            try (Env env = start("sqlite")) {
                RunwayAgent agent = agent(env, "start-" + executor, 1, executor);
                Thread t = Thread.ofPlatform().start(agent::run);
                int jobs = executor.equals("container") ? Math.min(pickupJobs, 30) : pickupJobs;
                long[] lat = new long[jobs];
                for (int i = executor.equals("container") ? -2 : -10; i < jobs; i++) {
                    awaitUntil(() -> env.server().waitingPolls() > 0, Duration.ofSeconds(10));
                    Instant t0 = Instant.now();
                    JobView j = submit(env, job("start-" + executor, "echo ${EPOCHREALTIME/./}000"));
                    awaitUntil(() -> state(env, j.id()).isTerminal(), Duration.ofSeconds(30));
                    byte[] body = Http.send(
                                    env.url(),
                                    "GET",
                                    ApiPaths.withId(ApiPaths.JOB_LOGS, j.id()),
                                    env.admin(),
                                    null,
                                    null)
                            .body();
                    String log = new String(body, java.nio.charset.StandardCharsets.UTF_8);
                    java.util.regex.Matcher m =
                            java.util.regex.Pattern.compile("(?m)^(\\d{19})$").matcher(log);
                    if (!m.find()) throw new IllegalStateException("no start time in the job's log:\n" + log);
                    long submitted = t0.getEpochSecond() * 1_000_000_000L + t0.getNano();
                    if (i >= 0) lat[i] = Long.parseLong(m.group(1)) - submitted;
                }
                agent.shutdown();
                t.join(10_000);
                Stats s = Stats.of(lat);
                if (shell == null) shell = s;
                System.out.printf(
                        "%-9s %6d %8.2f %8.2f %8.2f %8.2f %8.2fx   %s%n",
                        executor,
                        s.n(),
                        s.p50(),
                        s.p90(),
                        s.p99(),
                        s.max(),
                        s.p50() / shell.p50(),
                        switch (executor) {
                            case "sandbox" -> verdict(s.p50() <= 60);
                            case "container" -> verdict(s.p50() <= 1500);
                            default -> "-";
                        });
            }
        }
        System.out.println();
    }

    /** The image container jobs run in: the tests' busybox image (built by ContainerExecutorTest, no registry). */
    static final String CONTAINER_IMAGE = "localhost/runway-test:busybox";

    static boolean containerReady() {
        try (ContainerEngine engine = ContainerEngine.connect(null)) {
            engine.ping();
            if (engine.hasImage(CONTAINER_IMAGE)) return true;
            System.out.println("container   skipped: no image " + CONTAINER_IMAGE + " (run the container tests once)");
        } catch (ContainerEngine.EngineException e) {
            System.out.println("container   skipped: " + e.getMessage());
        }
        return false;
    }

    static RunwayAgent agent(Env env, String label, int slots) throws Exception {
        return agent(env, label, slots, "shell");
    }

    static RunwayAgent agent(Env env, String label, int slots, String executor) throws Exception {
        String token = Http.send(
                        env.url(),
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        env.admin(),
                        new RegistrationTokenRequest("1h", 1),
                        null)
                .as(RegistrationTokenView.class)
                .token();
        Path home = Files.createTempDirectory(env.dir(), "agent-");
        return new RunwayAgent(new AgentConfig(
                        URI.create(env.url()),
                        token,
                        "bench-" + label,
                        List.of(label),
                        home.resolve("work"),
                        home.resolve("credential.json"),
                        slots,
                        false,
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30))
                .with(executor, true, JobLimits.NONE, null, CONTAINER_IMAGE, AgentConfig.DEFAULT_MIN_FREE_DISK));
    }

    // ---- secret masking: MB/s of log text through the masker, single thread, by number of registered secrets

    static final int MASKING_MB = 64;
    /** The old masking (a loop of String.replace per line) is slow with many secrets: it gets a slice of the log. */
    static final int OLD_MASKING_MB = 8;

    static void maskingThroughput() {
        System.out.printf(
                "## Secret masking: %d MiB of build log lines (1 in 200 holds a secret), one thread, best of 3%n",
                MASKING_MB);
        System.out.printf(
                "%-8s %9s %12s %12s %9s %12s %9s   %s%n",
                "secrets",
                "patterns",
                "masker MB/s",
                "output MB/s",
                "vs 1",
                "old MB/s",
                "new/old",
                "target >= 100 MB/s, >= 0.7x of 1 secret");
        Random random = new Random(42);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) all.add(secret(random));
        double first = 0;
        for (int n : new int[] {1, 10, 100, 500}) {
            List<String> secrets = all.subList(0, n);
            byte[] text = logText(MASKING_MB << 20, secrets, new Random(7));
            SecretMasker masker = new SecretMasker();
            secrets.forEach(masker::add);
            long[] masked = new long[1];
            double scan = best(3, () -> {
                for (int off = 0; off < text.length; off += 64 * 1024) {
                    masked[0] += masker.find(text, off, Math.min(64 * 1024, text.length - off)).length / 2;
                }
            });
            long[] written = new long[1];
            double output = best(3, () -> {
                WorkflowCommands out = new WorkflowCommands((b, off, len) -> written[0] += len);
                secrets.forEach(out::mask);
                for (int off = 0; off < text.length; off += 64 * 1024) {
                    out.write(text, off, Math.min(64 * 1024, text.length - off));
                }
            });
            byte[] slice = java.util.Arrays.copyOf(text, OLD_MASKING_MB << 20);
            double old = best(3, () -> written[0] += oldMasking(slice, secrets));
            double mbs = text.length / 1e6 / scan;
            double outMbs = text.length / 1e6 / output;
            double oldMbs = slice.length / 1e6 / old;
            if (n == 1) first = outMbs;
            System.out.printf(
                    "%-8d %9d %12.0f %12.0f %8.2fx %12.1f %8.1fx   %s%n",
                    n,
                    masker.patterns(),
                    mbs,
                    outMbs,
                    outMbs / first,
                    oldMbs,
                    outMbs / oldMbs,
                    verdict(outMbs >= 100 && outMbs >= 0.7 * first));
            if (masked[0] == 0 || written[0] == 0) throw new IllegalStateException("nothing was masked");
        }
        System.out.println("(masker: SecretMasker.find over 64 KiB chunks; output: WorkflowCommands, the agent's"
                + " path from step output to the log, lines split, masked and copied; old: the previous"
                + " String.replace loop per line, on " + OLD_MASKING_MB + " MiB)");
        System.out.println();
    }

    /** Seconds of the fastest of {@code runs} runs, after one untimed run. */
    static double best(int runs, Runnable r) {
        r.run();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e9;
    }

    static String secret(Random r) {
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 32; i++) b.append(chars.charAt(r.nextInt(chars.length())));
        return b.toString();
    }

    /** Build-log-like lines: timestamps, levels, paths, hashes, some UTF-8, now and then a secret. */
    static byte[] logText(int size, List<String> secrets, Random r) {
        String[] levels = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
        String[] words = {
            "Compiling",
            "module",
            "runway-agent",
            "Downloading",
            "from",
            "central:",
            "https://repo.maven.apache.org",
            "Tests",
            "run:",
            "Failures:",
            "0,",
            "Errors:",
            "Skipped:",
            "BUILD",
            "SUCCESS",
            "src/main/java/dev/runway",
            "Resolving",
            "dependencies",
            "npm",
            "warn",
            "deprecated",
            "✔",
            "passed",
            "in",
            "ms",
            "café",
            "résumé",
            "docker",
            "layer",
            "pushed",
            "sha256:",
            "Step",
            "3/12",
            ":",
            "RUN",
            "apt-get",
            "install",
            "-y"
        };
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(size + 1024);
        StringBuilder line = new StringBuilder();
        for (int i = 0; out.size() < size; i++) {
            line.setLength(0);
            line.append("2026-11-26T10:")
                    .append(10 + i % 50)
                    .append(':')
                    .append(10 + i % 49)
                    .append('.')
                    .append(100 + i % 900)
                    .append("Z [")
                    .append(levels[r.nextInt(levels.length)])
                    .append("] ");
            for (int w = 4 + r.nextInt(10); w > 0; w--)
                line.append(words[r.nextInt(words.length)]).append(' ');
            if (i % 7 == 0) line.append(Long.toHexString(r.nextLong())).append(Long.toHexString(r.nextLong()));
            if (i % 200 == 0) line.append(" token=").append(secrets.get(r.nextInt(secrets.size())));
            line.append('\n');
            out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The masking WorkflowCommands did before the masker: per line, decode, String.replace each value, encode. */
    static long oldMasking(byte[] text, List<String> secrets) {
        List<String> masks = new ArrayList<>(secrets);
        masks.sort(java.util.Comparator.comparingInt(String::length).reversed());
        long written = 0;
        int start = 0;
        for (int i = 0; i < text.length; i++) {
            if (text[i] != '\n') continue;
            String s = new String(text, start, i + 1 - start, StandardCharsets.UTF_8);
            String m = s;
            for (String v : masks) m = m.replace(v, "***");
            written += m.equals(s) ? i + 1 - start : m.getBytes(StandardCharsets.UTF_8).length;
            start = i + 1;
        }
        return written;
    }

    // ---- control-plane throughput: simulated runners, no processes

    static void controlPlaneThroughput(List<String> stores) throws Exception {
        System.out.println(
                "## Control-plane throughput: jobs queued, claimed, logged and completed per second (simulated runners, HTTP)");
        System.out.printf(
                "%-11s %8s %6s %9s %10s %9s   %s%n",
                "store", "runners", "jobs", "seconds", "jobs/s", "cpu %", "target >= 500 jobs/s");
        for (String store : stores) {
            for (int runners : new int[] {1, 10, 50, 200}) {
                try (Env env = start(store)) {
                    List<RegisterResponse> rs = new ArrayList<>();
                    for (int i = 0; i < runners; i++) rs.add(register(env, "sim-" + i, List.of("tp"), 1));
                    AtomicInteger done = new AtomicInteger();
                    CountDownLatch all = new CountDownLatch(throughputJobs);
                    List<Thread> threads = new ArrayList<>();
                    for (RegisterResponse r : rs) {
                        threads.add(Thread.ofVirtual().start(() -> {
                            while (all.getCount() > 0) {
                                Http.Answer a = poll(env, r, 2);
                                if (a == null) return;
                                if (a.status() != 200) continue;
                                finish(env, a.as(Assignment.class));
                                done.incrementAndGet();
                                all.countDown();
                            }
                        }));
                    }
                    long cpu0 = cpuNanos();
                    long t0 = System.nanoTime();
                    Thread submitter = Thread.ofVirtual().start(() -> {
                        for (int i = 0; i < throughputJobs; i++) submit(env, job("tp", "true"));
                    });
                    all.await(10, TimeUnit.MINUTES);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    double cpu = (cpuNanos() - cpu0)
                            / 1e9
                            / secs
                            / Runtime.getRuntime().availableProcessors()
                            * 100;
                    submitter.join();
                    threads.forEach(Thread::interrupt);
                    double rate = done.get() / secs;
                    System.out.printf(
                            "%-11s %8d %6d %9.2f %10.0f %9.0f   %s%n",
                            store, runners, done.get(), secs, rate, cpu, verdict(rate >= 500));
                }
            }
        }
        System.out.println();
    }

    /**
     * What observability costs the control plane: the latency of a Prometheus scrape ({@code /metrics}) and of the
     * dashboard's stats ({@code /api/v1/stats}, 24 h and 7 d windows) as finished jobs accumulate in the store.
     */
    static void metricsCost(List<String> stores) throws Exception {
        System.out.println("## Observability cost: /metrics and /api/v1/stats latency by finished jobs in the store (30"
                + " calls, ms)");
        System.out.printf("%-11s %7s %15s %15s %15s%n", "store", "jobs", "/metrics", "stats 24h", "stats 7d");
        System.out.println("(each cell: p50 / p99)");
        for (String store : stores) {
            try (Env env = start(store)) {
                List<RegisterResponse> rs = new ArrayList<>();
                for (int i = 0; i < 20; i++) rs.add(register(env, "obs-" + i, List.of("obs-" + (i % 4)), 1));
                int done = 0;
                for (int target : new int[] {100, 2_000, 10_000}) {
                    runJobs(env, rs, target - done);
                    done = target;
                    Stats metrics = timeCalls(env, ApiPaths.METRICS);
                    Stats day = timeCalls(env, ApiPaths.STATS + "?window=24h");
                    Stats week = timeCalls(env, ApiPaths.STATS + "?window=7d");
                    System.out.printf(
                            "%-11s %7d %7.1f / %5.1f %7.1f / %5.1f %7.1f / %5.1f%n",
                            store, target, metrics.p50(), metrics.p99(), day.p50(), day.p99(), week.p50(), week.p99());
                }
            }
        }
        System.out.println();
    }

    /** Runs {@code n} trivial jobs through the simulated runners (each takes jobs of its own label). */
    static void runJobs(Env env, List<RegisterResponse> rs, int n) throws InterruptedException {
        CountDownLatch all = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            RegisterResponse r = rs.get(i);
            threads.add(Thread.ofVirtual().start(() -> {
                while (all.getCount() > 0) {
                    Http.Answer a = poll(env, r, 1);
                    if (a == null) return;
                    if (a.status() != 200) continue;
                    finish(env, a.as(Assignment.class));
                    all.countDown();
                }
            }));
        }
        for (int i = 0; i < n; i++) submit(env, job("obs-" + (i % 4), "true"));
        all.await(10, TimeUnit.MINUTES);
        // no interrupts: a poll cut short could claim a job and leave it to expire; each loop ends after its poll
        for (Thread t : threads) t.join();
    }

    static Stats timeCalls(Env env, String path) {
        long[] nanos = new long[30];
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            Http.Answer a = Http.send(env.url(), "GET", path, env.admin(), null, null);
            if (a.status() != 200) throw new IllegalStateException(path + ": " + a.status());
            nanos[i] = System.nanoTime() - t0;
        }
        return Stats.of(nanos);
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    // ---- end-to-end throughput: trivial jobs through real agents

    static void endToEndThroughput(List<String> stores) throws Exception {
        double seq = spawnRate(1, 300);
        double par = spawnRate(2, 300);
        System.out.printf(
                "## End-to-end throughput: `true` jobs through real agents (bash spawn ceiling here: %.0f/s sequential, %.0f/s with 2 spawners)%n",
                seq, par);
        System.out.printf(
                "%-11s %6s %6s %9s %10s %12s   %s%n",
                "store",
                "slots",
                "jobs",
                "seconds",
                "jobs/s",
                "% of ceiling",
                "target >= 100 jobs/s and >= 70% of the ceiling (1 slot: sequential; more: 2 spawners)");
        for (String store : stores) {
            for (int slots : new int[] {1, 10, 50}) {
                try (Env env = start(store)) {
                    RunwayAgent agent = agent(env, "e2e", slots);
                    Thread t = Thread.ofPlatform().start(agent::run);
                    awaitUntil(() -> env.server().waitingPolls() >= Math.min(slots, 1), Duration.ofSeconds(20));
                    long t0 = System.nanoTime();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < e2eJobs; i++)
                        ids.add(submit(env, job("e2e", "true")).id());
                    String last = ids.get(ids.size() - 1);
                    awaitUntil(() -> allDone(env), Duration.ofMinutes(10));
                    double secs = (System.nanoTime() - t0) / 1e9;
                    agent.shutdown();
                    t.join(15_000);
                    double rate = e2eJobs / secs;
                    // both parts of the target: a row that makes 100 jobs/s at a fifth of what this machine can
                    // spawn is a MISS
                    double ceiling = slots == 1 ? seq : par;
                    System.out.printf(
                            "%-11s %6d %6d %9.2f %10.1f %11.0f%%   %s%n",
                            store,
                            slots,
                            e2eJobs,
                            secs,
                            rate,
                            rate / ceiling * 100,
                            verdict(rate >= 100 && rate >= 0.7 * ceiling));
                    if (last == null) throw new IllegalStateException();
                }
            }
        }
        System.out.println();
    }

    static boolean allDone(Env env) {
        Http.Answer a = Http.send(env.url(), "GET", ApiPaths.JOBS + "?state=queued&limit=1", env.admin(), null, null);
        Http.Answer b = Http.send(env.url(), "GET", ApiPaths.JOBS + "?state=running&limit=1", env.admin(), null, null);
        boolean ok = a.as(dev.runway.protocol.JobList.class).jobs().isEmpty()
                && b.as(dev.runway.protocol.JobList.class).jobs().isEmpty();
        if (!ok) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ok;
    }

    /** This machine's own `bash -c true` rate with {@code parallel} spawners. */
    static double spawnRate(int parallel, int total) throws Exception {
        AtomicInteger left = new AtomicInteger(total);
        long t0 = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        for (int p = 0; p < parallel; p++) {
            ts.add(Thread.ofPlatform().start(() -> {
                while (left.getAndDecrement() > 0) {
                    try {
                        new ProcessBuilder("bash", "-c", "true").start().waitFor();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
        return total / ((System.nanoTime() - t0) / 1e9);
    }

    private Bench() {}
}
