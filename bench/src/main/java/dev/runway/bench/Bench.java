package dev.runway.bench;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.RunwayAgent;
import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.exec.JobLimits;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runway's benchmarks (issues 2 and 4): dispatch latency, pickup latency, control-plane throughput with simulated
 * runners, end-to-end throughput with real agents — for SQLite and PostgreSQL — and job start overhead per executor. Prints tables; run with bench/run.
 * The control plane, the simulated runners and the agents share this JVM (one machine, 2 cores): the figures
 * include the load generator's own CPU.
 */
public final class Bench {
    static int dispatchJobs = 300;
    static int pickupJobs = 100;
    static int throughputJobs = 2000;
    static int e2eJobs = 300;

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
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown argument " + args[i]
                                    + " (use --store sqlite,postgresql --only dispatch,pickup,throughput,e2e,executors --quick)");
            }
        }
        System.out.printf(
                "Runway benchmarks — %d cores, Java %s, %s%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), Instant.now());
        try {
            if (only.isEmpty() || only.contains("dispatch")) dispatchLatency(stores);
            if (only.isEmpty() || only.contains("pickup")) pickupLatency(stores);
            if (only.isEmpty() || only.contains("throughput")) controlPlaneThroughput(stores);
            if (only.isEmpty() || only.contains("e2e")) endToEndThroughput(stores);
            if (only.isEmpty() || only.contains("executors")) executorStartOverhead();
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
        return Http.send(env.url(), "POST", ApiPaths.JOBS, env.admin(), spec, null)
                .as(JobView.class);
    }

    static void finish(Env env, Assignment a) {
        Http.send(
                env.url(),
                "POST",
                ApiPaths.withId(ApiPaths.RUNNER_JOB_LOGS, a.jobId()) + "?offset=0",
                a.jobToken(),
                null,
                "hello from a simulated runner\n".getBytes(StandardCharsets.UTF_8));
        Http.send(
                env.url(),
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
                "store", "slots", "jobs", "seconds", "jobs/s", "% of ceiling", "target >= 100 jobs/s");
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
                    System.out.printf(
                            "%-11s %6d %6d %9.2f %10.1f %11.0f%%   %s%n",
                            store, slots, e2eJobs, secs, rate, rate / par * 100, verdict(rate >= 100));
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
