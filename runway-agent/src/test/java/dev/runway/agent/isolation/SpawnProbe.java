package dev.runway.agent.isolation;

import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A JVM of its own for {@link SpawnPathTest}: {@code report} prints which path steps take; {@code step <native|process>
 * <cgroup|none>} runs one step ({@code bash -c true}) through {@link ProcessHosts}.
 */
public final class SpawnProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("report")) {
            System.out.println("native=" + (StepSpawner.available() != null) + " why=" + StepSpawner.Load.why);
            return;
        }
        Path work = Files.createTempDirectory("runway-probe-");
        ProcessHosts hosts = new ProcessHosts(
                new StepTracker(work), Sandbox.HOST, JobLimits.NONE, "probe-", args[2].equals("cgroup"));
        if (args[1].equals("process")) hosts = hosts.withProcessBuilder();
        Path ws = Files.createDirectories(
                work.resolve("job-" + ProcessHandle.current().pid()));
        Path files = Files.createDirectories(work.resolve("files"));
        try (StepHost host = hosts.open(
                new JobSpec("probe", List.of(), Map.of(), List.of(), null, 1),
                ws,
                files,
                (b, off, len) -> {},
                new JobControl())) {
            StepHost.Running r = host.start(
                    List.of("/bin/bash", "--noprofile", "--norc", "-c", "true"),
                    ws,
                    ws,
                    Map.of("PATH", "/usr/bin:/bin"),
                    (b, off, len) -> {});
            r.waitFor(Long.MAX_VALUE);
            r.finish(true);
            System.out.println("exit=" + r.exitCode());
        }
    }

    private SpawnProbe() {}
}
