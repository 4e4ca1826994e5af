package dev.runway.bench;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.cli.AgentClassArchive;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunnerList;
import dev.runway.scaler.Scaler;
import dev.runway.scaler.api.ControlPlane;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.provider.Provider;
import dev.runway.scaler.provider.Providers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Fleet scaling: scale-from-zero (job enqueued on an empty pool → that job running on a runner the scaler started
 * for it) per provider and agent launch mode, and the time to drain a burst of jobs through ephemeral runners. A real
 * control plane, the scaler in this process, real agent JVMs (processes or containers).
 */
final class ScalerBench {
    /** Built by the container tests (busybox); the host's JDK and jars are mounted into it. */
    static final String CONTAINER_IMAGE = "localhost/runway-test:busybox";

    static final Path FAT_JAR = Path.of("runway-cli/target/runway.jar").toAbsolutePath();

    /** How agents are launched: a new JVM each time, or the provider's standby JVM; the class path or the jar + CDS. */
    record Mode(String name, String provider, boolean standby, boolean jar) {}

    static void run(int samples, int burst) throws Exception {
        System.out.println("## Scale from zero: enqueue -> job running on a new ephemeral runner (sqlite, scaler"
                + " in-process, a new agent per job)");
        System.out.printf(
                "%-28s %5s %8s %8s %9s   %s%n",
                "provider / agent launch",
                "jobs",
                "p50 ms",
                "max ms",
                "vs cold",
                "target (p50: process<=1000, container<=2500)");
        List<Mode> modes = new ArrayList<>(List.of(
                new Mode("process, cold JVM", "process", false, false),
                new Mode("process, standby JVM", "process", true, false)));
        if (Files.isRegularFile(FAT_JAR)) {
            modes.add(new Mode("process, cold JVM, jar+CDS", "process", false, true));
            modes.add(new Mode("process, standby, jar+CDS", "process", true, true));
        }
        modes.add(new Mode("container, cold JVM", "container", false, false));
        if (Files.isRegularFile(FAT_JAR)) modes.add(new Mode("container, cold JVM, jar+CDS", "container", false, true));
        String only = System.getenv("BENCH_SCALER_MODES"); // e.g. "container" to run only those rows
        if (only != null) modes.removeIf(m -> !m.name().contains(only));
        double cold = 0;
        for (Mode m : modes) {
            if (m.provider().equals("container") && !containerReady()) continue;
            Scaler running = null;
            try (Bench.Env env = Bench.start("sqlite")) {
                ScalerConfig cfg = config(env.dir(), m, 20);
                Scaler scaler = scaler(env, cfg, m);
                running = scaler;
                Thread loop = Thread.ofPlatform().daemon().start(scaler::run);
                long[] lat = new long[samples];
                for (int i = -1; i < samples; i++) {
                    Bench.awaitUntil(() -> runners(env) == 0, Duration.ofSeconds(60));
                    // from zero: no runner at all (a standby JVM is no runner: it holds no credential)
                    if (m.standby()) Bench.awaitUntil(() -> standbyReady(env.dir()), Duration.ofSeconds(60));
                    Instant t0 = Instant.now();
                    JobView j = Bench.submit(env, Bench.job("scale", "true"));
                    Bench.awaitUntil(() -> Bench.state(env, j.id()).isTerminal(), Duration.ofSeconds(60));
                    JobView done = Http.send(
                                    env.url(), "GET", ApiPaths.withId(ApiPaths.JOB, j.id()), env.admin(), null, null)
                            .as(JobView.class);
                    if (done.state() != JobState.SUCCEEDED)
                        throw new IllegalStateException("job ended " + done.state() + ": " + done.reason());
                    if (i >= 0) lat[i] = Duration.between(t0, done.startedAt()).toNanos();
                }
                Stats s = Stats.of(lat);
                if (cold == 0) cold = s.p50();
                System.out.printf(
                        "%-28s %5d %8.0f %8.0f %8.2fx   %s%n",
                        m.name(),
                        s.n(),
                        s.p50(),
                        s.max(),
                        s.p50() / cold,
                        Bench.verdict(s.p50() <= (m.provider().equals("process") ? 1000 : 2500)));
                scaler.close();
                loop.interrupt();
            } catch (Exception e) {
                System.out.printf("%-28s failed: %s%n", m.name(), e);
                if (running != null) running.close();
            }
        }
        System.out.println();
        System.out.println("## Drain a burst: " + burst + " jobs queued at once on an empty process pool (max 10"
                + " ephemeral runners, one job each, a JVM per runner) -> all succeeded");
        System.out.printf("%-28s %8s %9s %11s %9s%n", "agent launch", "jobs", "seconds", "jobs/s", "vs first");
        double first = 0;
        for (Mode m : modes) {
            if (!m.provider().equals("process") || !m.standby()) continue;
            try (Bench.Env env = Bench.start("sqlite")) {
                Scaler scaler = scaler(env, config(env.dir(), m, 10), m);
                Thread loop = Thread.ofPlatform().daemon().start(scaler::run);
                Bench.awaitUntil(() -> standbyReady(env.dir()), Duration.ofSeconds(60));
                Instant t0 = Instant.now();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < burst; i++)
                    ids.add(Bench.submit(env, Bench.job("scale", "true")).id());
                Bench.awaitUntil(
                        () -> ids.stream().allMatch(id -> Bench.state(env, id) == JobState.SUCCEEDED),
                        Duration.ofMinutes(15));
                double secs = Duration.between(t0, Instant.now()).toMillis() / 1000.0;
                if (first == 0) first = secs;
                System.out.printf("%-28s %8d %9.1f %11.2f %8.2fx%n", m.name(), burst, secs, burst / secs, secs / first);
                scaler.close();
                loop.interrupt();
                Bench.awaitUntil(() -> runners(env) == 0, Duration.ofSeconds(60));
            }
        }
        System.out.println();
    }

    static boolean standbyReady(Path dir) {
        try (var s = Files.list(dir.resolve("scaler").resolve("bench"))) {
            return s.anyMatch(
                    d -> d.getFileName().toString().startsWith(".standby-") && Files.exists(d.resolve("ready")));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static int runners(Bench.Env env) {
        return Http.send(env.url(), "GET", ApiPaths.RUNNERS, env.admin(), null, null)
                .as(RunnerList.class)
                .runners()
                .size();
    }

    static Scaler scaler(Bench.Env env, ScalerConfig cfg, Mode m) throws Exception {
        List<String> agent = launcher(m, cfg.stateDir());
        Map<String, Provider> providers =
                Map.of("bench", Providers.create(cfg, cfg.pools().getFirst(), m.standby() ? agent : null));
        return new Scaler(
                cfg,
                new ControlPlane(env.url(), env.admin()),
                providers,
                env.url(),
                agent,
                InstantSource.system(),
                Executors.newVirtualThreadPerTaskExecutor());
    }

    /** The agent command: this JVM's class path, or the distribution's jar with a CDS archive of the agent. */
    static List<String> launcher(Mode m, Path stateDir) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> flags = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(flags);
        String cp = System.getProperty("java.class.path");
        if (m.jar()) {
            cp = FAT_JAR.toString();
            Path archive = AgentClassArchive.ensure(javaBin, flags, cp, stateDir);
            if (archive == null) throw new IllegalStateException("no CDS archive could be made from " + cp);
            cmd.add("-XX:SharedArchiveFile=" + archive);
            cmd.add("-Xlog:cds=off,cds+dynamic=off");
        }
        cmd.addAll(List.of("-cp", cp, "dev.runway.cli.Main", "agent"));
        return cmd;
    }

    static ScalerConfig config(Path dir, Mode m, int max) throws Exception {
        StringBuilder y = new StringBuilder();
        y.append("state-dir: ").append(dir.resolve("scaler")).append("\nreconcile-every: 1s\npools:\n  bench:\n");
        y.append("    labels: [scale]\n    max: ").append(max).append("\n    idle-timeout: 1s\n");
        y.append("    provider: ").append(m.provider()).append('\n');
        if (m.provider().equals("container")) {
            Files.createDirectories(dir.resolve("scaler"));
            List<String> cmd = launcher(m, dir.resolve("scaler"));
            y.append("    agent:\n      image: ").append(CONTAINER_IMAGE).append("\n      command: [");
            for (int i = 0; i < cmd.size(); i++)
                y.append(i == 0 ? "" : ", ").append('"').append(cmd.get(i)).append('"');
            y.append("]\n      args: [--work-dir, /tmp/work]\n");
            // the image is busybox: bash and the JDK come from the host's /usr, mounted read-only
            y.append("      env: {PATH: /usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin}\n");
            y.append("    container:\n      network: host\n");
            String home = System.getProperty("user.home");
            String cwd = Path.of("").toAbsolutePath().toString();
            y.append("      volumes: [\"/usr:/usr:ro\", \"/usr/lib:/lib:ro\", \"/usr/lib64:/lib64:ro\", \"")
                    .append(home)
                    .append(':')
                    .append(home)
                    .append(":ro\", \"")
                    .append(cwd)
                    .append(':')
                    .append(cwd)
                    .append(":ro\", \"")
                    .append(dir.resolve("scaler")) // the CDS archive
                    .append(':')
                    .append(dir.resolve("scaler"))
                    .append(":ro\"]\n");
        }
        Path f = dir.resolve("pools.yml");
        Files.writeString(f, y);
        return ScalerConfigFile.read(f);
    }

    static boolean containerReady() {
        try (ContainerEngine engine = ContainerEngine.connect(null)) {
            engine.ping();
            if (engine.hasImage(CONTAINER_IMAGE)) return true;
            System.out.println("container  skipped: no image " + CONTAINER_IMAGE + " (run the container tests once)");
        } catch (ContainerEngine.EngineException e) {
            System.out.println("container  skipped: " + e.getMessage());
        }
        return false;
    }

    private ScalerBench() {}
}
