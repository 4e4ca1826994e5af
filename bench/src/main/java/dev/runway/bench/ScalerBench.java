package dev.runway.bench;

import dev.runway.agent.container.ContainerEngine;
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
 * for it) per provider, and the time to drain a burst of jobs through ephemeral runners. A real control plane, the
 * scaler in this process, real agent processes (or containers).
 */
final class ScalerBench {
    /** Built by runway-scaler's container tests (busybox); the host's JDK and jars are mounted into it. */
    static final String CONTAINER_IMAGE = "localhost/runway-scaler-test:busybox";

    static void run(int samples, int burst) throws Exception {
        System.out.println("## Scale from zero: enqueue -> job running on a new ephemeral runner (sqlite, scaler"
                + " in-process, agent JVMs started per job)");
        System.out.printf(
                "%-10s %5s %8s %8s %9s   %s%n",
                "provider", "jobs", "p50 ms", "max ms", "vs proc", "target (p50: process<=1000, container<=2500)");
        double process = 0;
        for (String provider : List.of("process", "container")) {
            if (provider.equals("container") && !containerReady()) continue;
            Scaler running = null;
            try (Bench.Env env = Bench.start("sqlite")) {
                ScalerConfig cfg = config(env.dir(), provider, 20);
                Scaler scaler = scaler(env, cfg);
                running = scaler;
                Thread loop = Thread.ofPlatform().daemon().start(scaler::run);
                long[] lat = new long[samples];
                for (int i = -1; i < samples; i++) {
                    Bench.awaitUntil(() -> runners(env) == 0, Duration.ofSeconds(60));
                    // from zero: no runner at all; the process provider's standby JVM (no runner) is up
                    if (provider.equals("process"))
                        Bench.awaitUntil(() -> standbyReady(env.dir()), Duration.ofSeconds(60));
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
                if (provider.equals("process")) process = s.p50();
                System.out.printf(
                        "%-10s %5d %8.0f %8.0f %8.2fx   %s%n",
                        provider,
                        s.n(),
                        s.p50(),
                        s.max(),
                        s.p50() / process,
                        Bench.verdict(s.p50() <= (provider.equals("process") ? 1000 : 2500)));
                scaler.close();
                loop.interrupt();
            } catch (Exception e) {
                System.out.printf("%-10s failed: %s%n", provider, e);
                if (running != null) running.close();
            }
        }
        System.out.println();
        System.out.println("## Drain a burst: " + burst + " jobs queued at once on an empty process pool (max 10"
                + " ephemeral runners, one job each) -> all succeeded");
        try (Bench.Env env = Bench.start("sqlite")) {
            Scaler scaler = scaler(env, config(env.dir(), "process", 10));
            Thread loop = Thread.ofPlatform().daemon().start(scaler::run);
            Instant t0 = Instant.now();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < burst; i++)
                ids.add(Bench.submit(env, Bench.job("scale", "true")).id());
            Bench.awaitUntil(
                    () -> ids.stream().allMatch(id -> Bench.state(env, id) == JobState.SUCCEEDED),
                    Duration.ofMinutes(10));
            Duration took = Duration.between(t0, Instant.now());
            System.out.printf(
                    "%d jobs in %.1f s (%.2f jobs/s, %.0f ms of wall time per job)%n",
                    burst,
                    took.toMillis() / 1000.0,
                    burst * 1000.0 / took.toMillis(),
                    (double) took.toMillis() / burst);
            scaler.close();
            loop.interrupt();
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

    static Scaler scaler(Bench.Env env, ScalerConfig cfg) throws Exception {
        Map<String, Provider> providers =
                Map.of("bench", Providers.create(cfg, cfg.pools().getFirst(), launcher()));
        return new Scaler(
                cfg,
                new ControlPlane(env.url(), env.admin()),
                providers,
                env.url(),
                launcher(),
                InstantSource.system(),
                Executors.newVirtualThreadPerTaskExecutor());
    }

    static List<String> launcher() {
        return List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.runway.cli.Main",
                "agent");
    }

    static ScalerConfig config(Path dir, String provider, int max) throws Exception {
        StringBuilder y = new StringBuilder();
        y.append("state-dir: ").append(dir.resolve("scaler")).append("\nreconcile-every: 1s\npools:\n  bench:\n");
        y.append("    labels: [scale]\n    max: ").append(max).append("\n    idle-timeout: 1s\n");
        y.append("    provider: ").append(provider).append('\n');
        if (provider.equals("container")) {
            List<String> cmd = new ArrayList<>(launcher());
            y.append("    agent:\n      image: ").append(CONTAINER_IMAGE).append("\n      command: [");
            for (int i = 0; i < cmd.size(); i++)
                y.append(i == 0 ? "" : ", ").append('"').append(cmd.get(i)).append('"');
            y.append("]\n      args: [--work-dir, /tmp/work]\n");
            // the image is busybox: bash and the JDK come from the host's /usr, mounted read-only
            y.append("      env: {PATH: /usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin}\n");
            y.append("    container:\n      network: host\n");
            y.append("      volumes: [\"/usr:/usr:ro\", \"/usr/lib:/lib:ro\", \"/usr/lib64:/lib64:ro\", \"")
                    .append(System.getProperty("user.home"))
                    .append(":")
                    .append(System.getProperty("user.home"))
                    .append(":ro\", \"")
                    .append(Path.of("").toAbsolutePath())
                    .append(":")
                    .append(Path.of("").toAbsolutePath())
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
            System.out.println("container  skipped: no image " + CONTAINER_IMAGE + " (run runway-scaler's tests once)");
        } catch (ContainerEngine.EngineException e) {
            System.out.println("container  skipped: " + e.getMessage());
        }
        return false;
    }

    private ScalerBench() {}
}
