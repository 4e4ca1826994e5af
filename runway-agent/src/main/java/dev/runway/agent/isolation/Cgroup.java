package dev.runway.agent.isolation;

import dev.runway.protocol.ResourceUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux control group that holds one job's processes: its limits (memory, CPU, process count) and what it used
 * (CPU time, peak memory, OOM kills). Works with cgroup v1 (one hierarchy per controller, as on this project's CI
 * hosts) and v2 (one unified hierarchy with the controllers enabled for children). The agent creates one per host
 * job under {@code runway/} in each hierarchy, and reads a container's through the pid of its first process.
 * Reading and writing plain files is the whole interface: no library wraps it better.
 */
public final class Cgroup {
    private static final Logger log = LoggerFactory.getLogger(Cgroup.class);

    /** What the kernel offers: each controller's directory for a cgroup path (v1), or the single v2 root. */
    record Hierarchies(Map<String, Path> v1, Path v2) {
        static Hierarchies read() {
            Map<String, Path> v1 = new LinkedHashMap<>();
            Path v2 = null;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String[] halves = line.split(" - ", 2);
                    if (halves.length < 2) continue;
                    String[] pre = halves[0].split(" ");
                    String[] post = halves[1].split(" ");
                    if (pre.length < 5 || post.length < 3 || !pre[3].equals("/")) continue; // a hierarchy's root only
                    Path mount = Path.of(pre[4]);
                    if (post[0].equals("cgroup2")) v2 = mount;
                    if (post[0].equals("cgroup")) {
                        for (String opt : post[2].split(",")) {
                            if (List.of("memory", "cpu", "cpuacct", "pids").contains(opt)) v1.putIfAbsent(opt, mount);
                        }
                    }
                }
            } catch (IOException e) {
                // no /proc: no cgroups
            }
            return new Hierarchies(v1, v2);
        }

        /** v1 with a memory controller: the layout this code writes; otherwise v2 when it has the controllers. */
        boolean useV1() {
            return v1.containsKey("memory");
        }
    }

    private static final Hierarchies HOST = Hierarchies.read();

    private final Map<String, Path> dirs; // controller -> directory (v1); "" -> directory (v2)
    private final boolean created;

    private Cgroup(Map<String, Path> dirs, boolean created) {
        this.dirs = dirs;
        this.created = created;
    }

    /** The cgroup of a running process (e.g. a container's first process), if this host lets the agent read it. */
    public static Optional<Cgroup> ofProcess(long pid) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) continue;
                if (f[0].equals("0") && f[1].isEmpty() && HOST.v2() != null && !HOST.useV1()) {
                    dirs.put("", HOST.v2().resolve(f[2].substring(1)));
                }
                for (String c : f[1].split(",")) {
                    Path mount = HOST.v1().get(c);
                    if (mount != null) dirs.put(c, mount.resolve(f[2].substring(1)));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        dirs.values().removeIf(d -> !Files.isDirectory(d));
        return dirs.isEmpty() ? Optional.empty() : Optional.of(new Cgroup(dirs, false));
    }

    /**
     * Creates {@code runway/<name>} with the given limits, or empty if this host does not let the agent (not root,
     * read-only cgroupfs, v2 without delegated controllers).
     */
    public static Optional<Cgroup> create(String name, JobLimits limits) {
        Map<String, Path> dirs = new LinkedHashMap<>();
        try {
            if (HOST.useV1()) {
                for (Map.Entry<String, Path> h : HOST.v1().entrySet()) {
                    Path d = h.getValue().resolve("runway").resolve(name);
                    Files.createDirectories(d);
                    dirs.put(h.getKey(), d);
                }
            } else if (HOST.v2() != null) {
                Path parent = HOST.v2().resolve("runway");
                Files.createDirectories(parent);
                Files.writeString(HOST.v2().resolve("cgroup.subtree_control"), "+memory +pids +cpu");
                Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
                Path d = parent.resolve(name);
                Files.createDirectories(d);
                dirs.put("", d);
            } else {
                return Optional.empty();
            }
        } catch (IOException | RuntimeException e) {
            log.debug("no cgroup for {}: {}", name, e.toString());
            new Cgroup(dirs, true).destroy();
            return Optional.empty();
        }
        Cgroup g = new Cgroup(dirs, true);
        try {
            g.limit(limits);
        } catch (IOException e) {
            g.destroy();
            return Optional.empty();
        }
        return Optional.of(g);
    }

    private void limit(JobLimits limits) throws IOException {
        if (limits.memoryBytes() != null) {
            if (v2()) {
                write("", "memory.max", Long.toString(limits.memoryBytes()));
                writeIfPresent("", "memory.swap.max", "0");
            } else {
                write("memory", "memory.limit_in_bytes", Long.toString(limits.memoryBytes()));
                writeIfPresent("memory", "memory.memsw.limit_in_bytes", Long.toString(limits.memoryBytes()));
            }
        }
        if (limits.pids() != null) write(v2() ? "" : "pids", "pids.max", Integer.toString(limits.pids()));
        if (limits.cpus() != null) {
            long period = 100_000;
            long quota = Math.max(1000, Math.round(limits.cpus() * period));
            if (v2()) {
                write("", "cpu.max", quota + " " + period);
            } else {
                write("cpu", "cpu.cfs_period_us", Long.toString(period));
                write("cpu", "cpu.cfs_quota_us", Long.toString(quota));
            }
        }
    }

    private boolean v2() {
        return dirs.containsKey("");
    }

    /**
     * {@code command} run so that it starts inside this cgroup: a shell writes its own pid into each hierarchy's
     * {@code cgroup.procs} and then execs the command, so nothing it starts escapes (no extra process stays).
     */
    /**
     * The shell that enters the cgroup and execs the step: bash where there is one, because dash drops environment
     * variables whose names are not shell identifiers, and {@code INPUT_WHO-TO-GREET} must reach an action.
     */
    static final String ENTER_SHELL = java.nio.file.Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "sh";

    public List<String> enter(List<String> command) {
        StringBuilder script = new StringBuilder();
        for (Path d : dirs.values()) {
            script.append("echo $$ > '").append(d.resolve("cgroup.procs")).append("' && ");
        }
        script.append("exec \"$@\"");
        List<String> cmd = new ArrayList<>(List.of(ENTER_SHELL, "-c", script.toString(), "sh"));
        cmd.addAll(command);
        return cmd;
    }

    /** CPU time, peak memory and OOM kills so far; fields this host does not report are null. */
    public ResourceUsage usage() {
        Double cpu = null;
        Long peak = null;
        if (v2()) {
            Map<String, Long> stat = keyed(read("", "cpu.stat"));
            if (stat.containsKey("usage_usec")) cpu = stat.get("usage_usec") / 1e6;
            peak = number(read("", "memory.peak"));
        } else {
            Long ns = number(read("cpuacct", "cpuacct.usage"));
            if (ns != null) cpu = ns / 1e9;
            peak = number(read("memory", "memory.max_usage_in_bytes"));
        }
        return new ResourceUsage(cpu, peak, oomKills() > 0);
    }

    /** How many processes the kernel's OOM killer has killed in this cgroup. */
    public long oomKills() {
        String text = v2() ? read("", "memory.events") : read("memory", "memory.oom_control");
        Long n = keyed(text).get("oom_kill");
        return n == null ? 0 : n;
    }

    /**
     * Why a step failed, if the OOM killer struck in this cgroup since it had counted {@code killsBefore}; null if it
     * did not. {@code limitOf} names what the limit belongs to ("the job", "the job's container").
     */
    public String oomReasonSince(long killsBefore, String limitOf) {
        if (oomKills() <= killsBefore) return null;
        Long limit = memoryLimit();
        return "killed by the kernel's OOM killer: " + limitOf + " went over its memory limit"
                + (limit == null ? "" : " of " + JobLimits.mib(limit));
    }

    /** The memory limit in force, or null. */
    public Long memoryLimit() {
        Long l = v2() ? number(read("", "memory.max")) : number(read("memory", "memory.limit_in_bytes"));
        return l == null || l >= Long.MAX_VALUE / 2 ? null : l;
    }

    /** Kills what is left in it and removes it (only a cgroup this agent created). */
    public void destroy() {
        if (!created) return;
        for (Path d : dirs.values()) {
            for (int i = 0; i < 50 && Files.isDirectory(d); i++) {
                killAll(d);
                try {
                    Files.deleteIfExists(d);
                } catch (IOException e) {
                    sleepQuietly(); // processes still exiting; their cgroup is busy a moment longer
                }
            }
        }
    }

    /** Removes the cgroups a killed agent left under {@code runway/}, killing what they hold; returns how many. */
    public static int reapLeftovers(String prefix) {
        List<Path> parents = new ArrayList<>();
        if (HOST.useV1()) HOST.v1().values().forEach(m -> parents.add(m.resolve("runway")));
        else if (HOST.v2() != null) parents.add(HOST.v2().resolve("runway"));
        int n = 0;
        for (Path parent : parents) {
            if (!Files.isDirectory(parent)) continue;
            try (Stream<Path> s = Files.list(parent)) {
                for (Path d : s.filter(Files::isDirectory)
                        .filter(p -> p.getFileName().toString().startsWith(prefix))
                        .toList()) {
                    new Cgroup(Map.of("x", d), true).destroy();
                    n++;
                }
            } catch (IOException e) {
                log.warn("cannot list {}: {}", parent, e.toString());
            }
        }
        return n;
    }

    private static void killAll(Path dir) {
        try {
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!pid.isBlank())
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // gone already
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(20); // waiting for the kernel to finish killing, not synchronising threads
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(String controller, String file, String value) throws IOException {
        Path d = dirs.get(controller);
        if (d == null) throw new IOException("no " + controller + " controller");
        Files.writeString(d.resolve(file), value);
    }

    private void writeIfPresent(String controller, String file, String value) {
        Path d = dirs.get(controller);
        if (d == null || !Files.exists(d.resolve(file))) return;
        try {
            Files.writeString(d.resolve(file), value);
        } catch (IOException e) {
            log.debug("cannot set {}: {}", file, e.toString());
        }
    }

    private String read(String controller, String file) {
        Path d = dirs.get(controller);
        if (d == null) return null;
        try {
            return Files.readString(d.resolve(file)).strip();
        } catch (IOException e) {
            return null;
        }
    }

    private static Long number(String s) {
        if (s == null || s.isEmpty() || s.equals("max")) return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Map<String, Long> keyed(String text) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (text == null) return m;
        for (String line : text.split("\n")) {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                Long v = number(kv[1]);
                if (v != null) m.put(kv[0], v);
            }
        }
        return m;
    }
}
