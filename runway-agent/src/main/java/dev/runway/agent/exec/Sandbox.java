package dev.runway.agent.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where a step's process runs. {@link #HOST}: on the runner's host, as the agent's user (the shell executor).
 * {@link #bubblewrap}: in a bubblewrap sandbox with its own PID, IPC and UTS namespaces (and network, when it is
 * off): the host filesystem read-only, the agent's directories (work dir with every other job's workspace, the
 * credential) hidden under empty tmpfs mounts, only this job's workspace, its step files and a private /tmp and
 * HOME writable. bwrap is killed with the step's process group and takes the sandbox down with it.
 */
public interface Sandbox {
    /** The command that runs {@code inner} (the shell and its script) for a step of the job in {@code workspace}. */
    List<String> wrap(List<String> inner, Path workspace, Path filesDir, Path script, Path cwd) throws IOException;

    /** The HOME a step gets; null keeps the agent's. */
    default Path home(Path filesDir) {
        return null;
    }

    Sandbox HOST = (inner, workspace, filesDir, script, cwd) -> inner;

    /** @param hidden directories the job must not see (the agent's work dir, the credential's directory) */
    static Sandbox bubblewrap(List<Path> hidden, boolean network) {
        return bubblewrap(hidden, network, List.of());
    }

    /**
     * @param readOnly directories inside the hidden ones that steps may read (the runner's actions: an action's
     *     scripts run in the sandbox)
     */
    static Sandbox bubblewrap(List<Path> hidden, boolean network, List<Path> readOnly) {
        return new Sandbox() {
            @Override
            public List<String> wrap(List<String> inner, Path workspace, Path filesDir, Path script, Path cwd)
                    throws IOException {
                Files.createDirectories(filesDir.resolve("home"));
                List<String> cmd = new ArrayList<>(
                        List.of("bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts"));
                if (!network) cmd.add("--unshare-net");
                cmd.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
                Set<Path> dirs = new LinkedHashSet<>();
                for (Path h : hidden) dirs.add(h.toAbsolutePath().normalize());
                // shortest first: an outer hidden directory must be mounted before one inside it
                dirs.stream()
                        .sorted((a, b) -> a.getNameCount() - b.getNameCount())
                        .forEach(d -> {
                            cmd.add("--tmpfs");
                            cmd.add(d.toString());
                        });
                for (Path p : readOnly) {
                    if (Files.isDirectory(p)) cmd.addAll(List.of("--ro-bind", p.toString(), p.toString()));
                }
                for (Path p : List.of(workspace, filesDir)) {
                    cmd.addAll(List.of("--bind", p.toString(), p.toString()));
                }
                cmd.addAll(List.of("--ro-bind", script.toString(), script.toString()));
                cmd.addAll(List.of("--chdir", cwd.toString(), "--"));
                cmd.addAll(inner);
                return cmd;
            }

            @Override
            public Path home(Path filesDir) {
                return filesDir.resolve("home");
            }
        };
    }
}
