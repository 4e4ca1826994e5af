package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite: real server and agent processes, one fault each, and evidence written by the jobs themselves.
 * Every attempt of every job appends {@code start}, a {@code tick} every 200 ms and {@code end} wall-clock
 * timestamps to a file of its own outside the workspaces (server, agents and test share one host and clock) and
 * prints numbered lines to its log. After the fault every job must succeed (0 lost); no two attempts of one job may
 * have run at the same time (0 overlapping, from the timestamps); the log of the attempt that succeeded must hold
 * its lines exactly once, in order, byte for byte; and the time from the fault's end to the next completed job is
 * the recovery time. The suite prints one table (also written to {@code target/chaos-summary.md}).
 *
 * <p>CI runs it small ({@code runway.chaos.scale=small}: a few jobs and faults each); {@code -Pchaos} runs it at
 * full scale (100 jobs, 30 agent kills, 200 jobs in flight at a control-plane kill).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosE2ETest {
    static final boolean FULL = "full".equals(System.getProperty("runway.chaos.scale", "small"));
    static final int LEASE = 8;
    static final int LINES = 20;
    /** Seconds between ticks: at full scale hundreds of jobs tick at once on the machine, so less often. */
    static final String TICK = FULL ? "0.5" : "0.2";

    static final List<Row> TABLE = new CopyOnWriteArrayList<>();

    @TempDir
    Path root;

    record Row(
            String scenario,
            String store,
            int jobs,
            int faults,
            int lost,
            int overlaps,
            int logsExact,
            double recoverySeconds,
            boolean pass) {}

    /** The jobs of one scenario and what they wrote. */
    final class Batch {
        final Path evidence;
        final String prefix;
        final List<String> ids = new ArrayList<>();
        final Map<String, String> names = new TreeMap<>();
        int lines = LINES;

        Batch(String prefix) throws IOException {
            this.prefix = prefix;
            this.evidence = Files.createDirectories(root.resolve("evidence-" + prefix));
        }

        /** Submits {@code n} jobs of {@code lines} lines, 200 ms apart. */
        void submit(Api api, int n, int lines) {
            this.lines = lines;
            for (int i = 0; i < n; i++) {
                String name = prefix + "-" + i;
                JobView j = api.submit(aJob(name)
                        .labels("linux")
                        .maxAttempts(4)
                        .env("EVIDENCE", evidence.toString())
                        .step("work", script(lines))
                        .build());
                ids.add(j.id());
                names.put(j.id(), name);
            }
        }

        static String script(int lines) {
            return "f=$EVIDENCE/$RUNWAY_JOB_NAME.$RUNWAY_ATTEMPT; echo \"start $(date +%s%N)\" >> $f;"
                    + " for i in $(seq 1 " + lines + "); do echo \"line $i of $RUNWAY_JOB_NAME\";"
                    + " echo \"tick $(date +%s%N)\" >> $f; sleep " + TICK + "; done; echo \"end $(date +%s%N)\" >> $f";
        }

        /** Waits until some job of the batch has written at least {@code ticks} ticks; returns its id. */
        String awaitRunning(int ticks) {
            String[] found = new String[1];
            await("a job of " + prefix + " runs")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        for (String id : ids) {
                            Path f = evidence.resolve(names.get(id) + ".1");
                            if (Files.exists(f) && count(f, "tick") >= ticks) {
                                found[0] = id;
                                return true;
                            }
                        }
                        return false;
                    });
            return found[0];
        }

        /**
         * Waits until a job of the batch is running with at least {@code ticks} ticks in its current attempt;
         * returns its id.
         */
        String awaitRunningNow(Api api, int ticks, java.util.Set<String> skip) {
            String[] found = new String[1];
            await("a job of " + prefix + " runs now")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        Map<String, JobView> now = states(api);
                        for (String id : ids) {
                            if (skip.contains(id)) continue;
                            JobView j = now.get(id);
                            if (j.state() != JobState.RUNNING) continue;
                            Path f = evidence.resolve(names.get(id) + "." + j.attempt());
                            if (Files.exists(f) && count(f, "tick") >= ticks && count(f, "end") == 0) {
                                found[0] = id;
                                return true;
                            }
                        }
                        return false;
                    });
            return found[0];
        }

        /** Waits until attempt {@code n} of {@code id} has written; returns its first timestamp (wall clock, ns). */
        long awaitAttempt(String id, int n) {
            Path f = evidence.resolve(names.get(id) + "." + n);
            await("attempt " + n + " of " + names.get(id) + " starts")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.exists(f) && span(f)[0] != Long.MAX_VALUE);
            try {
                return span(f)[0];
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /**
         * Waits for every job to end; returns when the first job that had not ended when this was called (just
         * after the fault) succeeded.
         */
        long awaitAll(Api api, Duration atMost) {
            long[] firstDone = {0};
            List<String> open = new ArrayList<>(ids);
            Map<String, JobView> before = states(api);
            open.removeIf(id -> before.get(id).state().isTerminal());
            await(prefix + ": every job ends")
                    .atMost(atMost)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        Map<String, JobView> now = states(api);
                        open.removeIf(id -> {
                            JobView j = now.get(id);
                            if (!j.state().isTerminal()) return false;
                            if (firstDone[0] == 0 && j.state() == JobState.SUCCEEDED) firstDone[0] = System.nanoTime();
                            return true;
                        });
                        return open.isEmpty();
                    });
            return firstDone[0] == 0 ? System.nanoTime() : firstDone[0];
        }

        /**
         * The batch's jobs as one listing shows them: the observer must not load the control plane it observes (one
         * call per job every 100 ms was 2,000 requests a second beside 200 running jobs).
         */
        Map<String, JobView> states(Api api) {
            Map<String, JobView> byId = new java.util.HashMap<>();
            for (JobView j : api.jobs().jobs()) byId.put(j.id(), j);
            for (String id : ids) if (!byId.containsKey(id)) byId.put(id, api.job(id));
            return byId;
        }

        Row verdict(Api api, String scenario, String store, int faults, double recovery) throws IOException {
            int lost = 0;
            int overlaps = 0;
            int exact = 0;
            StringBuilder why = new StringBuilder();
            for (String id : ids) {
                String name = names.get(id);
                JobView j = api.job(id);
                if (j.state() != JobState.SUCCEEDED) {
                    lost++;
                    why.append(name)
                            .append(": ")
                            .append(j.state())
                            .append(" (")
                            .append(j.reason())
                            .append(")\n");
                }
                List<long[]> spans = new ArrayList<>();
                for (int a = 1; a <= j.attempt(); a++) {
                    Path f = evidence.resolve(name + "." + a);
                    if (Files.exists(f)) spans.add(span(f));
                }
                for (int x = 0; x < spans.size(); x++)
                    for (int y = x + 1; y < spans.size(); y++)
                        if (spans.get(x)[0] < spans.get(y)[1] && spans.get(y)[0] < spans.get(x)[1]) {
                            overlaps++;
                            why.append(name)
                                    .append(": attempts ")
                                    .append(x + 1)
                                    .append(" and ")
                                    .append(y + 1)
                                    .append(" overlapped\n");
                        }
                String log = api.logs(id);
                String expected = expectedLines(name, lines);
                int from = log.indexOf("line 1 of " + name + "\n");
                String got = from < 0 ? "" : log.substring(from, Math.min(log.length(), from + expected.length()));
                if (got.equals(expected)
                        && log.indexOf("line 1 of " + name + "\n", from + 1) < 0
                        && !log.substring(from + expected.length()).contains("line ")) exact++;
                else
                    why.append(name)
                            .append(": its log is not exact:\n")
                            .append(log)
                            .append('\n');
            }
            boolean pass = lost == 0 && overlaps == 0 && exact == ids.size();
            Row row = new Row(scenario, store, ids.size(), faults, lost, overlaps, exact, recovery, pass);
            TABLE.add(row);
            if (!pass) keep(why.toString());
            assertThat(why.toString()).as(scenario + " on " + store).isEmpty();
            return row;
        }

        /**
         * A missed row keeps what explains it (the jobs' evidence, every process's log, the reasons) under {@code
         * target/chaos/<batch>}, as the temporary directory is deleted after the test.
         */
        private void keep(String why) throws IOException {
            Path to = Path.of("target", "chaos", prefix);
            copyTree(evidence, to.resolve("evidence"));
            try (var dirs = Files.walk(root)) {
                for (Path logs : dirs.filter(d -> d.getFileName().toString().equals("process-logs"))
                        .toList())
                    copyTree(logs, to.resolve(root.relativize(logs).toString()));
            }
            Files.writeString(to.resolve("why.txt"), why);
            System.out.println("[chaos] " + prefix + " missed: evidence and process logs in " + to.toAbsolutePath());
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static String expectedLines(String name, int lines) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= lines; i++)
            b.append("line ").append(i).append(" of ").append(name).append('\n');
        return b.toString();
    }

    static int count(Path f, String kind) throws IOException {
        return (int) Files.readAllLines(f).stream()
                .filter(l -> l.startsWith(kind + " "))
                .count();
    }

    /** The first and last timestamp an attempt wrote, in ns (a line cut by a kill is skipped). */
    static long[] span(Path f) throws IOException {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (String l : Files.readAllLines(f)) {
            String[] p = l.strip().split(" ");
            if (p.length != 2 || !p[1].matches("\\d{19}")) continue;
            long t = Long.parseLong(p[1]);
            first = Math.min(first, t);
            last = Math.max(last, t);
        }
        return new long[] {first, last};
    }

    static double seconds(long fromNanos, long toNanos) {
        return Math.max(0, toNanos - fromNanos) / 1e9;
    }

    /** The wall clock in ns, as the jobs' {@code date +%s%N} writes it. */
    static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static Cluster cluster(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("--lease-timeout", LEASE + "s", "--heartbeat-interval", "1s"));
        args.addAll(List.of(extra));
        return new Cluster(dir, args.toArray(String[]::new));
    }

    static void signal(RunwayProcess p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
    }

    /** The agent that runs {@code jobId} now. */
    static String runnerOf(Api api, String jobId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> api.job(jobId).runnerName() != null);
        return api.job(jobId).runnerName();
    }

    // ---- agent faults -------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void agentSigkill() throws Exception {
        int jobs = FULL ? 100 : 6;
        int kills = FULL ? 30 : 2;
        int agents = 3;
        try (Cluster c = cluster(root).start()) {
            Map<String, RunwayProcess> running = new TreeMap<>();
            for (int i = 0; i < agents; i++) running.put("a" + i, c.startAgent("a" + i, "linux"));
            Batch b = new Batch("kill");
            b.submit(c.api(), jobs, LINES);
            long lastFault = System.nanoTime();
            Map<String, Integer> hit = new TreeMap<>(); // no job is hit more than twice: it has 4 attempts
            for (int k = 0; k < kills; k++) {
                java.util.Set<String> skip = new java.util.HashSet<>();
                hit.forEach((id, n) -> {
                    if (n >= 2) skip.add(id);
                });
                String jobId = b.awaitRunningNow(c.api(), 3, skip);
                hit.merge(jobId, 1, Integer::sum);
                String victim = runnerOf(c.api(), jobId);
                running.get(victim).kill();
                lastFault = System.nanoTime();
                running.put(victim, c.startAgent(victim, "linux"));
            }
            long done = b.awaitAll(c.api(), Duration.ofMinutes(FULL ? 15 : 3));
            b.verdict(c.api(), "agent SIGKILL x" + kills, "sqlite", kills, seconds(lastFault, done));
        }
    }

    @Test
    @Order(2)
    void agentSigstopPastTheLease() throws Exception {
        try (Cluster c = cluster(root).start()) {
            RunwayProcess first = c.startAgent("frozen", "linux");
            Batch b = new Batch("freeze");
            b.submit(c.api(), 1, LINES * 3); // 12 s: it is running when the agent freezes
            String job = b.awaitRunning(3);
            c.startAgent("other", "linux");
            long frozen = wallNanos();
            signal(first, "STOP");
            long resumed = b.awaitAttempt(job, 2);
            Path a2 = b.evidence.resolve(b.names.get(job) + ".2");
            // the freeze outlasts the lease: attempt 2 runs a while before the frozen agent thaws
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> count(a2, "tick") >= 10);
            signal(first, "CONT");
            b.awaitAll(c.api(), Duration.ofSeconds(120));
            Path a1 = b.evidence.resolve(b.names.get(job) + ".1");
            assertThat(Files.readString(a1))
                    .as("attempt 1 was stopped, not finished")
                    .doesNotContain("end ");
            System.out.printf(
                    "agent SIGSTOP: attempt 1 last wrote %.1f s after the freeze, attempt 2 first %.1f s after it%n",
                    seconds(frozen, span(a1)[1]), seconds(frozen, resumed));
            b.verdict(c.api(), "agent SIGSTOP past the lease", "sqlite", 1, seconds(frozen, resumed));
        }
    }

    @Test
    @Order(3)
    void agentPartitionedFromTheControlPlane() throws Exception {
        try (Cluster c = cluster(root).start();
                TcpProxy proxy = new TcpProxy(port(c.url()))) {
            c.startAgentVia(proxy.url(), "cut-off", "linux");
            Batch b = new Batch("partition");
            b.submit(c.api(), 1, LINES * 3);
            String job = b.awaitRunning(3);
            c.startAgent("other", "linux");
            long cut = wallNanos();
            proxy.stall();
            long resumed = b.awaitAttempt(job, 2);
            proxy.heal();
            b.awaitAll(c.api(), Duration.ofSeconds(120));
            b.verdict(c.api(), "agent TCP partition", "sqlite", 1, seconds(cut, resumed));
        }
    }

    @Test
    @Order(4)
    void runnerDeletedMidJob() throws Exception {
        try (Cluster c = cluster(root).start()) {
            c.startAgent("doomed", "linux");
            Batch b = new Batch("deleted");
            b.submit(c.api(), 1, LINES * 3);
            String job = b.awaitRunning(3);
            c.startAgent("other", "linux");
            String runnerId = c.api().runners().runners().stream()
                    .filter(r -> r.name().equals("doomed"))
                    .findFirst()
                    .orElseThrow()
                    .id();
            Api.Response del =
                    c.api().call("DELETE", ApiPaths.withId(ApiPaths.RUNNER, runnerId), c.adminToken(), null, null);
            assertThat(del.status() / 100).as(del.body()).isEqualTo(2);
            long deleted = wallNanos();
            long resumed = b.awaitAttempt(job, 2);
            b.awaitAll(c.api(), Duration.ofSeconds(120));
            b.verdict(c.api(), "runner deleted mid-job", "sqlite", 1, seconds(deleted, resumed));
        }
    }

    // ---- control-plane faults ------------------------------------------------------------------------------

    @Test
    @Order(5)
    void controlPlaneSigkillOnSqlite() throws Exception {
        controlPlaneFault("SIGKILL", null);
    }

    @Test
    @Order(6)
    void controlPlaneSigkillOnPostgres() throws Exception {
        try (TestDatabase db = new TestDatabase()) {
            controlPlaneFault("SIGKILL", db.url());
        }
    }

    @Test
    @Order(7)
    void controlPlaneSigstopOnSqlite() throws Exception {
        controlPlaneFault("SIGSTOP", null);
    }

    @Test
    @Order(8)
    void controlPlaneSigstopOnPostgres() throws Exception {
        try (TestDatabase db = new TestDatabase()) {
            controlPlaneFault("SIGSTOP", db.url());
        }
    }

    private void controlPlaneFault(String fault, String databaseUrl) throws Exception {
        int jobs = FULL ? 200 : 6;
        String store = databaseUrl == null ? "sqlite" : "postgres";
        try (Cluster c = databaseUrl == null
                ? cluster(root).start()
                : cluster(root, "--database-url", databaseUrl).start()) {
            for (int i = 0; i < 2; i++) c.startAgent("a" + i, "linux", "--slots", FULL ? "100" : "3");
            Batch b = new Batch("cp-" + fault.toLowerCase(Locale.ROOT) + "-" + store);
            b.submit(c.api(), jobs, LINES);
            b.awaitRunning(3);
            long back;
            if (fault.equals("SIGKILL")) {
                c.server().kill();
                c.startServer();
            } else {
                signal(c.server(), "STOP");
                // past half a lease: the lease loop has not run, so the control plane gives every attempt a full
                // lease again before it reaps anything
                await().pollDelay(Duration.ofSeconds(LEASE / 2 + 1))
                        .atMost(Duration.ofSeconds(LEASE))
                        .until(() -> true);
                signal(c.server(), "CONT");
            }
            back = System.nanoTime();
            long done = b.awaitAll(c.api(), Duration.ofMinutes(FULL ? 10 : 3));
            b.verdict(c.api(), "control plane " + fault, store, 1, seconds(back, done));
        }
    }

    @Test
    @Order(9)
    void twoReplicasOneKilled() throws Exception {
        try (TestDatabase db = new TestDatabase();
                Cluster a =
                        cluster(root.resolve("a"), "--database-url", db.url()).start();
                Cluster bc =
                        cluster(root.resolve("b"), "--database-url", db.url()).start()) {
            String both = a.url() + "," + bc.url();
            for (int i = 0; i < 2; i++) a.startAgentVia(both, "r" + i, "linux", "--slots", "3");
            Batch b = new Batch("replica");
            b.submit(bc.api(), FULL ? 60 : 6, LINES);
            b.awaitRunning(3);
            a.server().kill();
            long killed = System.nanoTime();
            long done = b.awaitAll(bc.api(), Duration.ofMinutes(3));
            b.verdict(bc.api(), "two replicas, one SIGKILLed", "postgres", 1, seconds(killed, done));
        }
    }

    @Test
    @Order(10)
    void controlPlaneDiskFull() throws Exception {
        Cluster c = cluster(root);
        try (SmallDisk disk = SmallDisk.mount(c.dataDir(), "32m");
                c) {
            Path data = disk.dir;
            c.start();
            for (int i = 0; i < 2; i++) c.startAgent("a" + i, "linux", "--slots", "3");
            Batch b = new Batch("disk");
            b.submit(c.api(), FULL ? 30 : 6, LINES);
            b.awaitRunning(3);
            Path filler = data.resolve("filler");
            SmallDisk.fill(filler);
            await("the control plane says its disk is full")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> c.api()
                                    .call("GET", ApiPaths.HEALTH, null, null, null)
                                    .status()
                            == 503);
            await().pollDelay(Duration.ofSeconds(6))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> true);
            Files.delete(filler);
            long freed = System.nanoTime();
            long done = b.awaitAll(c.api(), Duration.ofMinutes(3));
            b.verdict(c.api(), "control plane disk full", "sqlite", 1, seconds(freed, done));
        }
    }

    /**
     * An agent's disk fills up under its running jobs (another process on the host filled it): they go on, their
     * logs held in memory (the spool file cannot be written), and the agent takes no job until there is room again;
     * the other agent takes the queue meanwhile. Nothing is lost, every log is exact.
     */
    @Test
    @Order(11)
    void agentDiskFull() throws Exception {
        try (Cluster c = cluster(root);
                SmallDisk disk = SmallDisk.mount(c.workDir("a0"), "64m")) {
            c.start();
            c.startAgent("a0", "linux", "--slots", "3", "--min-free-disk", "16MiB");
            c.startAgent("a1", "linux", "--slots", "3");
            Batch b = new Batch("agent-disk");
            b.submit(c.api(), FULL ? 30 : 6, LINES);
            b.awaitRunning(3);
            await("a0 runs a job")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> b.ids.stream()
                            .map(id -> c.api().job(id))
                            .anyMatch(j -> j.state() == JobState.RUNNING && "a0".equals(j.runnerName())));
            Path filler = disk.dir.resolve("filler"); // outside the agent's own folder: not the agent's to delete
            SmallDisk.fill(filler);
            await("a0 reports itself unhealthy: its disk is full")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> c.api().runners().runners().stream()
                            .anyMatch(r -> r.name().equals("a0") && r.state().equals("unhealthy")));
            await().pollDelay(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> true);
            Files.delete(filler);
            long freed = System.nanoTime();
            long done = b.awaitAll(c.api(), Duration.ofMinutes(FULL ? 10 : 3));
            b.verdict(c.api(), "agent disk full", "sqlite", 1, seconds(freed, done));
        }
    }

    @AfterAll
    static void summary() throws IOException {
        StringBuilder t = new StringBuilder();
        t.append(String.format(
                "%n| %-30s | %-8s | %4s | %6s | %4s | %8s | %10s | %9s | %-4s |%n",
                "scenario", "store", "jobs", "faults", "lost", "overlaps", "logs exact", "recovery", "verdict"));
        t.append("|")
                .append("-".repeat(32))
                .append("|")
                .append("-".repeat(10))
                .append("|------|--------|------|")
                .append("----------|------------|-----------|------|\n");
        for (Row r : TABLE)
            t.append(String.format(
                    "| %-30s | %-8s | %4d | %6d | %4d | %8d | %4d of %3d | %7.1f s | %-4s |%n",
                    r.scenario(),
                    r.store(),
                    r.jobs(),
                    r.faults(),
                    r.lost(),
                    r.overlaps(),
                    r.logsExact(),
                    r.jobs(),
                    r.recoverySeconds(),
                    r.pass() ? "PASS" : "MISS"));
        t.append("scale: ")
                .append(FULL ? "full (-Pchaos)" : "small (CI)")
                .append(", lease ")
                .append(LEASE)
                .append(" s\n");
        System.out.println(t);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) Files.writeString(target.resolve("chaos-summary.md"), t.toString());
    }

    static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }
}
