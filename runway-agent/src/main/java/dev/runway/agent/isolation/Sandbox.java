package dev.runway.agent.isolation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a step's process runs. {@link #HOST}: on the runner's host, as the agent's user (the shell executor).
 * {@link #bubblewrap}: in a bubblewrap sandbox (see {@link Bubblewrap}): an allow-list of the host read-only, only
 * this job's directories writable, an unprivileged user when the agent is root, a seccomp filter.
 */
public interface Sandbox {
    /** The command that runs {@code inner} (the shell and its script) for a step of the job in {@code workspace}. */
    List<String> wrap(List<String> inner, Path workspace, Path filesDir, Path script, Path cwd) throws IOException;

    /**
     * The host-side process that runs {@code inner} with the job's environment {@code env}: its command and the
     * environment it is started with. On the host the two are the job's own; a sandbox that starts as root gives the
     * host-side programs a fixed environment and carries the job's inside (see {@link Bubblewrap}).
     */
    default Launch launch(
            List<String> inner, Path workspace, Path filesDir, Path script, Path cwd, java.util.Map<String, String> env)
            throws IOException {
        return new Launch(wrap(inner, workspace, filesDir, script, cwd), env);
    }

    /**
     * A command and the environment to start it with; {@code inputs} are files the process gets open read-only at
     * the given descriptor numbers, {@code removeOnceOpen} (one of them, or null) a file to remove as soon as it is
     * open.
     */
    record Launch(
            List<String> command,
            java.util.Map<String, String> environment,
            java.util.Map<Integer, Path> inputs,
            Path removeOnceOpen) {
        public Launch(List<String> command, java.util.Map<String, String> environment) {
            this(command, environment, java.util.Map.of(), null);
        }
    }

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
     * @param readOnly directories steps may read besides the system ones (the runner's actions: an action's
     *     scripts run in the sandbox; the tool cache)
     */
    static Sandbox bubblewrap(List<Path> hidden, boolean network, List<Path> readOnly) {
        return bubblewrap(hidden, network, readOnly, SandboxOptions.DEFAULT, null);
    }

    /**
     * @param options the operator's choices: the job user, engine access, more readable directories
     * @param engineSocket the container engine's Unix socket, given to steps only with {@code
     *     options.engineAccess()}
     */
    static Sandbox bubblewrap(
            List<Path> hidden, boolean network, List<Path> readOnly, SandboxOptions options, Path engineSocket) {
        List<Path> readable = new ArrayList<>(readOnly);
        readable.addAll(options.readOnly());
        boolean drop = !options.engineAccess() && JobUser.agentIsRoot();
        return new Bubblewrap(
                hidden,
                readable,
                network,
                options.engineAccess() ? engineSocket : null,
                drop ? new JobUser(options.uid(), options.uid()) : null);
    }
}
