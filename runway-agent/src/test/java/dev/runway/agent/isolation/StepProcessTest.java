package dev.runway.agent.isolation;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A step's process as {@link ProcessHosts} starts it, on both paths: one native spawn ({@code true}) and
 * ProcessBuilder with {@code setsid} ({@code false}, where the agent cannot spawn natively).
 */
class StepProcessTest {
    private static final JobSpec SPEC = new JobSpec("t", List.of(), Map.of(), List.of(), null, 1);
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C");

    @TempDir
    Path work;

    private final List<StepHost> hosts = new ArrayList<>();

    /** What a step wrote, byte for byte. */
    static final class Collected implements Executor.Output {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized byte[] bytes() {
            return bytes.toByteArray();
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }
    }

    ProcessHosts hosts(boolean nativeSpawn, boolean cgroups) {
        ProcessHosts h = new ProcessHosts(new StepTracker(work), Sandbox.HOST, JobLimits.NONE, "spawn-test-", cgroups);
        if (nativeSpawn) {
            needs(h.spawnsNatively(), "native spawning (" + StepSpawner.Load.why + ")");
            return h;
        }
        return h.withProcessBuilder();
    }

    StepHost open(ProcessHosts h) throws Exception {
        Path ws = Files.createDirectories(work.resolve(
                "job-" + hosts.size() + "-" + ProcessHandle.current().pid()));
        Path files = Files.createDirectories(work.resolve(ws.getFileName() + "-files"));
        StepHost host = h.open(SPEC, ws, files, new Collected(), new JobControl());
        hosts.add(host);
        return host;
    }

    @AfterEach
    void closeHosts() {
        hosts.forEach(StepHost::close);
    }

    /** Runs {@code script} with bash to its end; its exit code. */
    static int run(StepHost host, String script, Path cwd, Collected out) throws Exception {
        StepHost.Running r = host.start(List.of("/bin/bash", "-c", script), cwd, cwd, ENV, out);
        assertThat(r.waitFor(Duration.ofSeconds(60).toNanos())).isTrue();
        r.finish(true);
        return r.exitCode();
    }

    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theStepLeadsItsOwnSessionInTheJobsCgroupAsTheAgentsChild(boolean nativeSpawn) throws Exception {
        needs(JobUser.agentIsRoot(), "root, to create cgroups");
        ProcessHosts h = hosts(nativeSpawn, true);
        StepHost host = open(h);
        needs(!host.usage().equals(dev.runway.protocol.ResourceUsage.UNKNOWN), "a cgroup for the job");
        Collected out = new Collected();
        long before = nativeSpawn ? StepSpawner.available().spawns() : 0;
        int code = run(
                host,
                "read -r st < /proc/$$/stat; set -- ${st##*) }; echo \"$$ $2 $3 $4\"; grep -E '^0::|:memory:' /proc/$$/cgroup | sort | tail -1",
                work,
                out);
        assertThat(code).isZero();
        String[] lines = out.text().split("\n");
        String[] f = lines[0].split(" ");
        long pid = Long.parseLong(f[0]);
        assertThat(Long.parseLong(f[1]))
                .as("parent: the agent's JVM")
                .isEqualTo(ProcessHandle.current().pid());
        assertThat(Long.parseLong(f[2])).as("process group").isEqualTo(pid);
        assertThat(Long.parseLong(f[3])).as("session").isEqualTo(pid);
        assertThat(lines[1])
                .matches(
                        Cgroup.Hierarchies.read().useV1()
                                ? "[0-9]+:memory:/runway/spawn-test-job-[0-9-]+"
                                : "0::/runway/spawn-test-job-[0-9-]+");
        if (nativeSpawn) {
            assertThat(StepSpawner.available().spawns() - before)
                    .as("processes the agent started for the step, its end and the kill of its group")
                    .isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aDaemonThatLeftTheStepsSessionDiesWhenTheStepIsKilledAndTheJobEnds(boolean nativeSpawn) throws Exception {
        needs(JobUser.agentIsRoot(), "root, to create cgroups");
        StepHost host = open(hosts(nativeSpawn, true));
        Path pidFile = work.resolve("daemon.pid");
        StepHost.Running r = host.start(
                List.of(
                        "/bin/bash",
                        "-c",
                        "(setsid sleep 300 & echo $! > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile
                                + "); exec sleep 300"),
                work,
                work,
                ENV,
                new Collected());
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(pidFile));
        long daemon = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(alive(daemon)).isTrue();
        String stat = Files.readString(Path.of("/proc/" + daemon + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertThat(Long.parseLong(f[3])).as("the daemon's own session").isEqualTo(daemon);
        assertThat(r.waitFor(Duration.ofMillis(200).toNanos())).isFalse();
        r.kill(); // as a timeout or a cancel does
        r.finish(false);
        assertThat(r.exitCode()).isEqualTo(128 + 15);
        host.close(); // the end of the job: its cgroup goes, with what it held
        await().atMost(Duration.ofSeconds(20)).until(() -> !alive(daemon));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void exitCodesAndDeathsBySignal(boolean nativeSpawn) throws Exception {
        StepHost host = open(hosts(nativeSpawn, false));
        assertThat(run(host, "exit 0", work, new Collected())).isZero();
        assertThat(run(host, "exit 3", work, new Collected())).isEqualTo(3);
        assertThat(run(host, "exit 255", work, new Collected())).isEqualTo(255);
        assertThat(run(host, "kill -KILL $$", work, new Collected())).isEqualTo(128 + 9);
        assertThat(run(host, "kill -TERM $$", work, new Collected())).isEqualTo(128 + 15);
        assertThat(run(host, "kill -SEGV $$", work, new Collected())).isEqualTo(128 + 11);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aHugeOutputArrivesByteForByte(boolean nativeSpawn) throws Exception {
        StepHost host = open(hosts(nativeSpawn, false));
        byte[] data = new byte[6 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        Path file = Files.write(work.resolve("big.bin"), data);
        Collected out = new Collected();
        assertThat(run(host, "cat " + file + "; cat " + file + " >&2", work, out))
                .isZero();
        byte[] twice = new byte[data.length * 2];
        System.arraycopy(data, 0, twice, 0, data.length);
        System.arraycopy(data, 0, twice, data.length, data.length);
        assertThat(out.bytes()).as("stdout, then stderr on the same pipe").isEqualTo(twice);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theEnvironmentIsExactlyTheGivenOneAndTheWorkingDirectoryTheGivenOne(boolean nativeSpawn) throws Exception {
        StepHost host = open(hosts(nativeSpawn, false));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("SPACED", "a b  c");
        env.put("INPUT_WHO-TO-GREET", "Mona");
        env.put("EMPTY", "");
        env.put("UNICODE", "grüße ✓");
        Path cwd = Files.createDirectories(work.resolve("some dir"));
        Collected out = new Collected();
        StepHost.Running r = host.start(List.of("/usr/bin/env", "-0"), cwd, cwd, env, out);
        assertThat(r.waitFor(Duration.ofSeconds(30).toNanos())).isTrue();
        r.finish(true);
        assertThat(r.exitCode()).isZero();
        Map<String, String> seen = new TreeMap<>();
        for (String kv : out.text().split("\0")) {
            if (!kv.isEmpty()) seen.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertThat(seen).isEqualTo(new TreeMap<>(env));
        Collected pwd = new Collected();
        StepHost.Running p = host.start(List.of("/bin/pwd", "-P"), cwd, cwd, ENV, pwd);
        assertThat(p.waitFor(Duration.ofSeconds(30).toNanos())).isTrue();
        p.finish(true);
        assertThat(pwd.text().strip()).isEqualTo(cwd.toRealPath().toString());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void theStepGetsNoDescriptorOfTheAgent(boolean nativeSpawn) throws Exception {
        StepHost host = open(hosts(nativeSpawn, false));
        Collected out = new Collected();
        // ls lists the shell's descriptors, not its own (and with no pipeline: the shell would hold its pipe)
        Path list = work.resolve("fds.txt");
        assertThat(run(host, "ls /proc/$$/fd > " + list + "; echo done", work, out))
                .isZero();
        assertThat(Files.readAllLines(list)).containsExactlyInAnyOrder("0", "1", "2");
    }

    @Test
    void aNativeStepReadsEndOfFileFromStdin() throws Exception {
        StepHost host = open(hosts(true, false));
        Collected out = new Collected();
        assertThat(run(host, "read -r x; echo \"read $?\"; readlink /proc/$$/fd/0", work, out))
                .isZero();
        assertThat(out.text()).isEqualTo("read 1\n/dev/null\n");
    }

    @Test
    void aMissingProgramOrDirectoryIsAClearErrorOfTheStart() throws Exception {
        StepHost host = open(hosts(true, false));
        assertThatThrownBy(() -> host.start(List.of("/nonexistent/prog", "x"), work, work, ENV, new Collected()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("/nonexistent/prog")
                .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> host.start(List.of("no-such-program-anywhere"), work, work, ENV, new Collected()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no-such-program-anywhere")
                .hasMessageContaining("No such file or directory");
        Path gone = work.resolve("gone");
        assertThatThrownBy(() -> host.start(List.of("/bin/true"), work, gone, ENV, new Collected()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(gone.toString());
        // and the agent goes on starting steps
        assertThat(run(host, "exit 4", work, new Collected())).isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRestartedAgentKillsTheStepsAKilledOneLeftRunning(boolean nativeSpawn) throws Exception {
        StepHost host = open(hosts(nativeSpawn, false));
        Collected out = new Collected();
        StepHost.Running r = host.start(List.of("/bin/bash", "-c", "echo $$; exec sleep 300"), work, work, ENV, out);
        await().atMost(Duration.ofSeconds(20)).until(() -> out.text().endsWith("\n"));
        long pid = Long.parseLong(out.text().strip());
        assertThat(alive(pid)).isTrue();
        // the next agent run, on the same work directory, without the first one's process objects
        assertThat(hosts(nativeSpawn, false).reapLeftovers()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> !alive(pid));
        assertThat(r.waitFor(Duration.ofSeconds(20).toNanos())).isTrue();
        assertThat(r.exitCode()).isEqualTo(128 + 9);
        r.finish(false);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aSandboxedStepStartsWithItsFilterAndLeavesNoArgumentFile(boolean nativeSpawn) throws Exception {
        needs(Files.isExecutable(Path.of(HostPrograms.BWRAP)), "bwrap");
        ProcessHosts plain = new ProcessHosts(
                new StepTracker(work),
                Sandbox.bubblewrap(List.of(work), false),
                JobLimits.NONE,
                "spawn-test-",
                JobUser.agentIsRoot());
        if (nativeSpawn) needs(plain.spawnsNatively(), "native spawning");
        ProcessHosts h = nativeSpawn ? plain : plain.withProcessBuilder();
        java.util.function.Supplier<List<String>> argumentFiles = () -> {
            try (var in = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                return in.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("runway-bwrap-"))
                        .toList();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        List<String> before = argumentFiles.get();
        StepHost host = open(h);
        Path ws = work.resolve(
                "job-" + (hosts.size() - 1) + "-" + ProcessHandle.current().pid());
        Path script = Files.writeString(
                work.resolve(ws.getFileName() + "-files").resolve("step.sh"),
                "grep -E '^(Seccomp|Uid):' /proc/self/status | tr -s '\\t ' ' '; echo \"$GREETING\"\n");
        Collected out = new Collected();
        StepHost.Running r = host.start(
                List.of("/bin/bash", "--noprofile", "--norc", "-e", script.toString()),
                script,
                ws,
                Map.of("PATH", "/usr/bin:/bin", "GREETING", "hello from inside"),
                out);
        assertThat(r.waitFor(Duration.ofSeconds(60).toNanos())).isTrue();
        r.finish(true);
        assertThat(r.exitCode()).as(out.text()).isZero();
        assertThat(out.text()).contains("hello from inside");
        if (SeccompFilter.forThisMachine() != null) assertThat(out.text()).contains("Seccomp: 2");
        if (JobUser.agentIsRoot()) assertThat(out.text()).contains("Uid: " + SandboxOptions.DEFAULT_UID + " ");
        assertThat(argumentFiles.get())
                .as("bwrap's argument files (they hold the job's secrets)")
                .isSubsetOf(before);
    }
}
