package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a job can reach, probed by a real job: a real `runway server` and `runway agent` as their own processes, the
 * job's script tries each thing an attacker with only a workflow file would try and prints one {@code PROBE <what>
 * <result>} line per item. Under {@code --executor sandbox} every item must be blocked; the same probe under
 * {@code --executor shell} documents, honestly, what a host job reaches (the table in docs/agent.md); with {@code
 * --sandbox-engine-access} the engine's socket is reachable, as its help says. Without bwrap (or python3, which the
 * probe uses for connect() and raw system calls) the sandbox cases are skipped, except under CI=true, where they
 * fail.
 */
class SandboxProbeE2ETest {
    static final Path PODMAN = Path.of("/run/podman/podman.sock");

    @TempDir
    Path root;

    Path hostTmpMarker;

    @BeforeEach
    void marker() throws IOException {
        hostTmpMarker = Files.createTempFile(Path.of("/tmp"), "runway-probe-", ".txt");
        hostTmpMarker.toFile().deleteOnExit();
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    static void requireSandboxTools() {
        boolean tools =
                Files.isExecutable(Path.of("/usr/bin/bwrap")) && Files.isExecutable(Path.of("/usr/bin/python3"));
        if (!tools && "true".equals(System.getenv("CI")))
            throw new AssertionError("bwrap or python3 is missing; under CI=true the sandbox probe must run");
        assumeTrue(tools, "bwrap or python3 is not installed: sandbox probe skipped");
    }

    /** Unix sockets of this host (under /run, /var/run, /tmp, and what /proc/net/unix names), the probe connects to. */
    static List<String> hostSockets() throws IOException {
        TreeSet<String> found = new TreeSet<>();
        for (String dir : List.of("/run", "/var/run", "/tmp")) {
            Path d = Path.of(dir);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.find(d, 3, (p, a) -> a.isOther())) {
                s.forEach(p -> {
                    try {
                        var attrs = Files.readAttributes(p, PosixFileAttributes.class);
                        if (attrs.isOther()) found.add(p.toString());
                    } catch (IOException ignored) {
                        // gone meanwhile
                    }
                });
            } catch (java.io.UncheckedIOException | IOException ignored) {
                // an unreadable corner of /run
            }
        }
        List<String> unix = Files.readAllLines(Path.of("/proc/net/unix"));
        for (String line : unix.subList(Math.min(1, unix.size()), unix.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && (f[7].startsWith("/") || f[7].startsWith("@"))) found.add(f[7]);
        }
        found.removeIf(s -> s.startsWith(System.getProperty("java.io.tmpdir") + "/junit")); // the test's own
        if (Files.exists(PODMAN)) found.add(PODMAN.toString());
        return new ArrayList<>(found);
    }

    /** The probe: one PROBE line per item. */
    String probe(Cluster c, String agent, long agentPid, int serverPort) throws IOException {
        Path credential = root.resolve("agents").resolve(agent).resolve("credential.json");
        Path other = Files.createDirectories(c.workspaces(agent).resolve("other-job-7-1"));
        Files.writeString(other.resolve("secret.txt"), "another job's file");
        StringBuilder sockets = new StringBuilder();
        for (String s : hostSockets()) sockets.append(" '").append(s).append('\'');
        return String.join(
                "\n",
                "readable() { if cat \"$2\" >/dev/null 2>&1; then echo \"PROBE $1 readable\"; else echo \"PROBE $1"
                        + " blocked\"; fi; }",
                "listed() { if [ -n \"$(ls -A \"$2\" 2>/dev/null)\" ]; then echo \"PROBE $1 visible\"; else echo"
                        + " \"PROBE $1 absent\"; fi; }",
                "echo \"PROBE uid $(id -u)\"",
                "echo \"PROBE capabilities $(awk '/^CapEff/ {print $2}' /proc/self/status)\"",
                "readable shadow /etc/shadow",
                "for d in /run /var/run /home /root /var/lib; do listed dir:$d $d; done",
                "if [ -e " + hostTmpMarker + " ]; then echo 'PROBE host-tmp visible'; else echo 'PROBE host-tmp"
                        + " absent'; fi",
                "readable credential " + credential,
                "readable master-key " + c.dataDir().resolve("master.key"),
                "listed data-dir " + c.dataDir(),
                "readable other-workspace " + other.resolve("secret.txt"),
                "if kill -0 " + agentPid + " 2>/dev/null; then echo 'PROBE signal-agent allowed'; else echo 'PROBE"
                        + " signal-agent blocked'; fi",
                "echo \"PROBE processes $(ls /proc | grep -c '^[0-9]')\"",
                "python3 - " + serverPort + sockets + " <<'PY'",
                "import ctypes, os, socket, sys",
                "def report(what, ok, err=''):",
                "    print('PROBE', what, 'ok' if ok else 'failed:' + err.replace(' ', '-'))",
                "for path in sys.argv[2:]:",
                "    s = socket.socket(socket.AF_UNIX)",
                "    try:", // @name: an abstract socket, scoped by the network namespace, not the file system
                "        s.connect('\\0' + path[1:] if path.startswith('@') else path)",
                "        print('PROBE socket:' + path, 'connected')",
                "    except OSError as e:",
                "        print('PROBE socket:' + path, 'refused:' + (e.strerror or str(e)).replace(' ', '-'))",
                "    finally:",
                "        s.close()",
                "t = socket.socket()",
                "t.settimeout(5)",
                "try:",
                "    t.connect(('127.0.0.1', int(sys.argv[1]))); print('PROBE network reachable')",
                "except OSError:",
                "    print('PROBE network unreachable')",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "def call(what, r):",
                "    report(what, r >= 0, os.strerror(ctypes.get_errno()))",
                // harmless under every executor: the target does not exist, so even root only gets ENOENT
                "call('mount', libc.mount(b'none', b'/nonexistent-runway-probe', b'tmpfs', 0, None))",
                "call('unshare-user', libc.unshare(0x10000000))",
                "PY",
                "echo 'PROBE done ok'");
    }

    static Map<String, String> results(String log) {
        Map<String, String> r = new LinkedHashMap<>();
        log.lines()
                .map(l -> l.replaceFirst("^.*?PROBE ", "PROBE "))
                .filter(l -> l.startsWith("PROBE "))
                .forEach(l -> {
                    String[] f = l.split(" ", 3);
                    if (f.length == 3) r.put(f[1], f[2].strip());
                });
        return r;
    }

    /** Runs the probe on an agent started with {@code args}; returns its results and prints them for the table. */
    Map<String, String> runProbe(String executorName, String... args) throws IOException {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent = c.startAgent("probe", "linux", args);
            int port = Integer.parseInt(c.url().replaceAll(".*:(\\d+)$", "$1"));
            JobView job = c.api()
                    .submit(aJob("probe")
                            .step("probe", probe(c, "probe", agent.pid(), port))
                            .build());
            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(90));
            String log = c.api().logs(done.id());
            Map<String, String> r = results(log);
            assertThat(r).as(log).containsKey("done");
            System.out.println("probe results (" + executorName + "): " + r);
            return r;
        }
    }

    @Test
    void aSandboxedJobReachesNothingOfTheHost() throws IOException {
        requireSandboxTools();
        Map<String, String> r = runProbe("sandbox", "--executor", "sandbox");
        if (isRoot()) assertThat(r.get("uid")).as("steps never run as root").isNotEqualTo("0");
        assertThat(r).containsEntry("capabilities", "0000000000000000");
        assertThat(r.get("shadow")).isEqualTo("blocked");
        for (String d : List.of("/run", "/var/run", "/home", "/root", "/var/lib"))
            assertThat(r.get("dir:" + d)).as(d).isEqualTo("absent");
        assertThat(r)
                .containsEntry("host-tmp", "absent")
                .containsEntry("credential", "blocked")
                .containsEntry("master-key", "blocked")
                .containsEntry("data-dir", "absent")
                .containsEntry("other-workspace", "blocked")
                .containsEntry("signal-agent", "blocked")
                .containsEntry("mount", "failed:Operation-not-permitted")
                .containsEntry("unshare-user", "failed:Operation-not-permitted");
        assertThat(Integer.parseInt(r.get("processes")))
                .as("only the sandbox's processes")
                .isLessThan(10);
        List<String> sockets =
                r.keySet().stream().filter(k -> k.startsWith("socket:/")).toList();
        if (Files.exists(PODMAN)) assertThat(sockets).contains("socket:" + PODMAN);
        for (String s : sockets) assertThat(r.get(s)).as(s).startsWith("refused:");
        // abstract sockets (socket:@...) belong to the network namespace: with the host's network they stay
        // reachable (docs/agent.md says so); --no-network takes them away
        // the default sandbox keeps the host's network (--no-network takes it away)
        assertThat(r).containsEntry("network", "reachable");
    }

    @Test
    void withoutNetworkNoAbstractSocketOrPortIsReachable() throws IOException {
        requireSandboxTools();
        Map<String, String> r = runProbe("sandbox --no-network", "--executor", "sandbox", "--no-network");
        assertThat(r).containsEntry("network", "unreachable");
        for (String s : r.keySet().stream().filter(k -> k.startsWith("socket:")).toList())
            assertThat(r.get(s)).as(s).startsWith("refused:");
    }

    @Test
    void aShellJobReachesWhatTheAgentReaches() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) || "true".equals(System.getenv("CI")));
        Map<String, String> r = runProbe("shell", "--executor", "shell");
        // a host job is the agent's user: everything the agent can read, it reads
        assertThat(r)
                .containsEntry("credential", "readable")
                .containsEntry("master-key", "readable")
                .containsEntry("data-dir", "visible")
                .containsEntry("other-workspace", "readable")
                .containsEntry("host-tmp", "visible")
                .containsEntry("signal-agent", "allowed")
                .containsEntry("network", "reachable");
        assertThat(Integer.parseInt(r.get("processes")))
                .as("every host process")
                .isGreaterThan(10);
        if (isRoot()) {
            assertThat(r)
                    .containsEntry("uid", "0")
                    .containsEntry("shadow", "readable")
                    .containsEntry("dir:/run", "visible")
                    .containsEntry("mount", "failed:No-such-file-or-directory") // past the permission check
                    .containsEntry("unshare-user", "ok");
            if (Files.exists(PODMAN)) assertThat(r).containsEntry("socket:" + PODMAN, "connected");
        }
    }

    @Test
    void engineAccessHandsTheJobTheEngineSocketAndNothingElse() throws IOException {
        requireSandboxTools();
        assumeTrue(Files.exists(PODMAN) || "true".equals(System.getenv("CI")), "no engine socket to hand over");
        Map<String, String> r = runProbe(
                "sandbox+engine", "--executor", "sandbox", "--sandbox-engine-access", "--engine", "unix://" + PODMAN);
        assertThat(r).containsEntry("socket:" + PODMAN, "connected");
        assertThat(r).as("root, but without capabilities").containsEntry("capabilities", "0000000000000000");
        assertThat(r)
                .containsEntry("credential", "blocked")
                .containsEntry("master-key", "blocked")
                .containsEntry("other-workspace", "blocked")
                .containsEntry("signal-agent", "blocked")
                .containsEntry("dir:/run", "visible") // the socket's directory, only the socket in it
                .containsEntry("unshare-user", "failed:Operation-not-permitted");
    }
}
