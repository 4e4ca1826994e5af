package dev.runway.agent.isolation;

import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Steps per second of a trivial step ({@code bash -c true}) through {@link ProcessHosts}, on the native path and on
 * the ProcessBuilder + setsid one, in the same JVM, alternating rounds. Not a test: run it by hand (the command is in
 * docs/architecture.md's step launch paragraph and in the branch's report).
 *
 * <p>Arguments: steps per round (300), rounds (3), {@code cgroup} to put the job in a cgroup (needs root), and
 * {@code native}, {@code process} or {@code both} (the default).
 */
public final class StepLaunchBench {
    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean cgroup = args.length > 2 && args[2].equals("cgroup");
        String which = args.length > 3 ? args[3] : "both";
        Path work = Files.createTempDirectory("runway-bench-");
        ProcessHosts nat = new ProcessHosts(new StepTracker(work), Sandbox.HOST, JobLimits.NONE, "bench-", cgroup);
        if (!nat.spawnsNatively() && !which.equals("process"))
            throw new IllegalStateException("no native spawning: " + StepSpawner.Load.why);
        ProcessHosts old = nat.withProcessBuilder();
        StepHost n = open(nat, work, "native");
        StepHost o = open(old, work, "process");
        List<String> cmd = List.of("/bin/bash", "--noprofile", "--norc", "-c", "true");
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
        // warm-up: JIT, page cache, the first spawns
        if (!which.equals("process")) run(n, cmd, env, work, Math.min(50, steps));
        if (!which.equals("native")) run(o, cmd, env, work, Math.min(50, steps));
        double nTotal = 0;
        double oTotal = 0;
        for (int r = 0; r < rounds; r++) {
            if (!which.equals("process")) {
                double s = run(n, cmd, env, work, steps);
                nTotal += s;
                System.out.printf(Locale.ROOT, "round %d native:  %7.1f steps/s%n", r + 1, steps / s);
            }
            if (!which.equals("native")) {
                double s = run(o, cmd, env, work, steps);
                oTotal += s;
                System.out.printf(Locale.ROOT, "round %d process: %7.1f steps/s%n", r + 1, steps / s);
            }
        }
        int all = steps * rounds;
        if (which.equals("both"))
            System.out.printf(
                    Locale.ROOT,
                    "%s: native %.1f steps/s, ProcessBuilder+setsid %.1f steps/s, ratio %.2fx%n",
                    cgroup ? "in a cgroup" : "no cgroup",
                    all / nTotal,
                    all / oTotal,
                    oTotal / nTotal);
        n.close();
        o.close();
    }

    private static StepHost open(ProcessHosts hosts, Path work, String name) throws Exception {
        Path ws = Files.createDirectories(
                work.resolve(name + "-" + ProcessHandle.current().pid()));
        Path files = Files.createDirectories(work.resolve(name + "-files"));
        return hosts.open(
                new JobSpec("bench", List.of(), Map.of(), List.of(), null, 1),
                ws,
                files,
                (b, off, len) -> {},
                new JobControl());
    }

    /** Seconds {@code count} steps took, one after the other as a job's steps run. */
    private static double run(StepHost host, List<String> cmd, Map<String, String> env, Path cwd, int count)
            throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            StepHost.Running r = host.start(cmd, cwd, cwd, env, (b, off, len) -> {});
            r.waitFor(Long.MAX_VALUE);
            r.finish(true);
            if (r.exitCode() != 0) throw new IllegalStateException("exit code " + r.exitCode());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private StepLaunchBench() {}
}
