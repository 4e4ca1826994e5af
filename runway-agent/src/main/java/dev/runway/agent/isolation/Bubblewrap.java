package dev.runway.agent.isolation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sandbox executor's {@link Sandbox}: each step in bubblewrap with its own mount, PID, IPC, UTS and cgroup
 * namespaces (and network, when it is off). The step sees an allow-list of the host, read-only: the system
 * directories ({@code /usr}, {@code /bin}, {@code /sbin}, {@code /lib*}, {@code /etc}), the tool cache, the action
 * store and what the operator adds; nothing else of the host ({@code /run}, {@code /var}, {@code /home}, {@code
 * /root}, {@code /tmp}, the data directory and the credential are not there). Writable: only this job's workspace,
 * its step files and HOME, a private {@code /tmp}. A root agent runs the step as an unprivileged user with no
 * capabilities ({@link JobUser}); a seccomp filter ({@link SeccompFilter}) refuses mount, ptrace, unshare and the
 * like. bwrap dies with the step's process group and takes the sandbox down with it.
 */
final class Bubblewrap implements Sandbox {
    /** Host directories every step may read (where they exist); a symlink among them (usr-merge) stays one. */
    static final List<Path> SYSTEM = java.util.stream.Stream.of(
                    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
            .map(Path::of)
            .toList();

    private final List<Path> hidden;
    private final List<Path> readOnly;
    private final boolean network;
    private final Path engineSocket;
    private final JobUser user;
    private Path seccomp;

    /**
     * @param hidden directories the job must not see even where they lie below a readable one (the agent's work
     *     dir, the credential's directory)
     * @param readOnly directories, besides the system ones, steps may read (the tool cache, the action store)
     * @param engineSocket the container engine's socket, bound into the sandbox (engine access), or null
     * @param user who steps run as, or null to keep the agent's uid
     */
    Bubblewrap(List<Path> hidden, List<Path> readOnly, boolean network, Path engineSocket, JobUser user) {
        this.hidden = hidden.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.readOnly =
                readOnly.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.network = network;
        this.engineSocket = engineSocket;
        this.user = user;
    }

    @Override
    public List<String> wrap(List<String> inner, Path workspace, Path filesDir, Path script, Path cwd)
            throws IOException {
        return launch(inner, workspace, filesDir, script, cwd, Map.of()).command();
    }

    /**
     * Everything before the job's command runs as the agent (root): the cgroup's shell, {@code bwrap} and {@code
     * setpriv} (and, where the agent cannot spawn natively, {@code setsid} and the {@code sh} that opens bwrap's
     * descriptors). They are named by absolute path and get {@link HostPrograms#ENVIRONMENT},
     * never the job's: a job's {@code PATH}, {@code BASH_ENV} or {@code LD_PRELOAD} would otherwise choose code that
     * runs as root outside the sandbox. The job's environment reaches the step through bwrap's {@code --clearenv}
     * and {@code --setenv}, read from a file descriptor (never the command line, which every host user can read in
     * /proc); the dynamic loader's variables, which would reach the still-privileged {@code setpriv}, are set by
     * {@code env} after it has dropped to the job user.
     */
    @Override
    public Launch launch(
            List<String> inner, Path workspace, Path filesDir, Path script, Path cwd, Map<String, String> env)
            throws IOException {
        Files.createDirectories(filesDir.resolve("home"));
        if (user != null) user.own(List.of(workspace, filesDir));
        List<String> cmd = new ArrayList<>();
        byte[] filter = SeccompFilter.forThisMachine();
        Map<String, String> loader = new TreeMap<>();
        List<String> setenv = new ArrayList<>(List.of("--clearenv"));
        env.forEach((k, v) -> {
            if (user != null && loaderVariable(k)) loader.put(k, v);
            else setenv.addAll(List.of("--setenv", k, v));
        });
        // bwrap reads the seccomp program from fd 9 and these arguments from fd 8, which the agent opens for it as it
        // starts it; the argument file is removed as soon as it is open
        Path arguments = argumentFile(setenv);
        Map<Integer, Path> inputs = new java.util.LinkedHashMap<>();
        inputs.put(9, filter == null ? Path.of("/dev/null") : seccompFile(filter));
        inputs.put(8, arguments);
        cmd.addAll(List.of(
                HostPrograms.BWRAP,
                "--args",
                "8",
                "--die-with-parent",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--unshare-cgroup-try"));
        if (!network) cmd.add("--unshare-net");
        // a step that keeps the agent's uid (engine access, or an agent that is not root) gets no capabilities:
        // root without them cannot reconfigure the host's network or bypass file permissions
        if (user == null) cmd.addAll(List.of("--cap-drop", "ALL"));
        if (filter != null) cmd.addAll(List.of("--seccomp", "9"));
        systemDirectories(cmd);
        parentDirectories(cmd, workspace, filesDir, script);
        readableDirectories(cmd);
        if (engineSocket != null && Files.exists(engineSocket)) {
            cmd.addAll(List.of("--bind", engineSocket.toString(), engineSocket.toString()));
            cmd.addAll(List.of("--setenv", "DOCKER_HOST", "unix://" + engineSocket));
        }
        for (Path p : List.of(workspace, filesDir)) cmd.addAll(List.of("--bind", p.toString(), p.toString()));
        cmd.addAll(List.of("--ro-bind", script.toString(), script.toString()));
        cmd.addAll(List.of("--chdir", cwd.toString(), "--"));
        if (user != null) cmd.addAll(user.drop());
        if (!loader.isEmpty()) {
            cmd.add(HostPrograms.ENV);
            loader.forEach((k, v) -> cmd.add(k + "=" + v));
        }
        cmd.addAll(inner);
        return new Launch(cmd, HostPrograms.ENVIRONMENT, inputs, arguments);
    }

    /**
     * Variables the dynamic loader (or glibc) acts on before a program's own code runs: given to a privileged
     * program they choose code it runs (glibc ignores them only for set-uid programs, which setpriv is not).
     */
    static boolean loaderVariable(String name) {
        return name.startsWith("LD_") || name.startsWith("MALLOC_") || LOADER.contains(name);
    }

    private static final Set<String> LOADER = Set.of(
            "GCONV_PATH",
            "GETCONF_DIR",
            "GLIBC_TUNABLES",
            "HOSTALIASES",
            "LOCALDOMAIN",
            "LOCPATH",
            "NIS_PATH",
            "NLSPATH",
            "RESOLV_HOST_CONF",
            "RES_OPTIONS",
            "TMPDIR",
            "TZDIR");

    /** bwrap's arguments, NUL-separated, in a file only the agent can read (they hold the job's secrets). */
    private static Path argumentFile(List<String> args) throws IOException {
        Path f = Files.createTempFile(
                "runway-bwrap-",
                ".args",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder b = new StringBuilder();
        for (String a : args) b.append(a).append('\0');
        Files.writeString(f, b.toString());
        return f;
    }

    /** The system directories read-only (a usr-merge link stays a link), fresh /dev, /proc and temp directories. */
    private static void systemDirectories(List<String> cmd) throws IOException {
        for (Path p : SYSTEM) {
            if (Files.isSymbolicLink(p)) {
                cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
            } else if (Files.isDirectory(p)) {
                cmd.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            }
        }
        cmd.addAll(List.of("--dev", "/dev", "--proc", "/proc"));
        for (String t : List.of("/tmp", "/var/tmp", "/dev/shm")) cmd.addAll(List.of("--perms", "1777", "--tmpfs", t));
    }

    /**
     * bwrap would make missing parents of mount points with the host's modes (0700 for a data directory): the
     * unprivileged job could not reach its own workspace through them.
     */
    private void parentDirectories(List<String> cmd, Path workspace, Path filesDir, Path script) {
        Set<Path> parents = new java.util.TreeSet<>(
                Comparator.comparingInt(Path::getNameCount).thenComparing(p -> p));
        List<Path> targets = new ArrayList<>(readOnly);
        targets.addAll(List.of(workspace, filesDir, script));
        if (engineSocket != null) targets.add(engineSocket);
        for (Path t : targets) {
            for (Path a = t.getParent(); a != null && a.getNameCount() > 0 && !underSystem(a); a = a.getParent())
                parents.add(a);
        }
        for (Path a : parents) cmd.addAll(List.of("--perms", "0755", "--dir", a.toString()));
    }

    /**
     * The readable directories and the hidden ones inside them, outer ones first: a hidden directory covers what
     * lies below it, a readable one inside it is bound again on top.
     */
    private void readableDirectories(List<String> cmd) {
        List<Path> mounts = new ArrayList<>();
        for (Path p : readOnly) {
            if (Files.isDirectory(p) || Files.isRegularFile(p)) mounts.add(p);
        }
        Set<Path> covered = new LinkedHashSet<>();
        for (Path h : hidden) {
            if (visible(h)) covered.add(h);
        }
        mounts.addAll(covered);
        mounts.stream()
                .distinct()
                .sorted(Comparator.comparingInt(Path::getNameCount))
                .forEach(p -> {
                    if (covered.contains(p)) cmd.addAll(List.of("--tmpfs", p.toString()));
                    else cmd.addAll(List.of("--ro-bind", p.toString(), p.toString()));
                });
    }

    /** Whether {@code p} lies in what the sandbox shows of the host. */
    private boolean visible(Path p) {
        if (underSystem(p)) return true;
        for (Path r : readOnly) {
            if (p.startsWith(r)) return true;
        }
        return false;
    }

    private static boolean underSystem(Path p) {
        for (Path s : SYSTEM) {
            if (p.startsWith(s)) return true;
        }
        return false;
    }

    @Override
    public Path home(Path filesDir) {
        return filesDir.resolve("home");
    }

    /** The program in a file only the agent can read (steps cannot change the filter of later ones). */
    private synchronized Path seccompFile(byte[] filter) throws IOException {
        if (seccomp == null || !Files.isRegularFile(seccomp, LinkOption.NOFOLLOW_LINKS)) {
            seccomp = Files.createTempFile(
                    "runway-seccomp-",
                    ".bpf",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(seccomp, filter);
            seccomp.toFile().deleteOnExit();
        }
        return seccomp;
    }
}
