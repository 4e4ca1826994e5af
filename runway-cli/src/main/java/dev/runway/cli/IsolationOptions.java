package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.isolation.JobLimits;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where and within what limits a runner's jobs run: the executor, the container engine and image, CPU, memory and
 * process limits, free disk, network. The same options for {@code runway agent} and {@code runway run}.
 */
final class IsolationOptions {
    @Option(
            names = "--executor",
            defaultValue = "shell",
            description = "Where steps run: shell (on this host, as the agent's user: a job can read and do all"
                    + " the agent can), sandbox (bubblewrap: an unprivileged user, own PID/IPC/UTS namespaces, only"
                    + " system directories, tool cache and actions of the host, read-only, only the job's workspace"
                    + " writable, no host socket, a seccomp filter; needs bwrap and setpriv) or container (each job"
                    + " in a container with its services, through the Docker or Podman API). Default"
                    + " ${DEFAULT-VALUE}.")
    String executor;

    @Option(
            names = "--engine",
            description = "The container engine's API for --executor container and for Docker actions under every"
                    + " executor, e.g. unix:///run/podman/podman.sock"
                    + " (default: DOCKER_HOST, then /var/run/docker.sock, then /run/podman/podman.sock).")
    String engine;

    @Option(
            names = "--image",
            defaultValue = AgentConfig.DEFAULT_IMAGE,
            description = "With --executor container: the image of jobs without container: (default ${DEFAULT-VALUE}).")
    String image;

    @Option(
            names = "--cpus",
            description = "Most CPUs one job may use, e.g. 2 or 0.5 (cgroups or the container engine enforce it).")
    String cpus;

    @Option(
            names = "--memory",
            description = "Most memory one job may use, e.g. 2g or 512m; above it the job is OOM-killed.")
    String memory;

    @Option(names = "--pids-limit", description = "Most processes one job may run at once.")
    String pids;

    @Option(
            names = "--min-free-disk",
            defaultValue = "1g",
            description = "Below this much free space on the work directory the runner takes no jobs, reports itself"
                    + " unhealthy and cleans up; 0 turns the check off (default ${DEFAULT-VALUE}).")
    String minFreeDisk;

    @Option(
            names = "--no-network",
            description = "With --executor sandbox or container: steps get no network (an empty network namespace;"
                    + " container jobs with services are refused).")
    boolean noNetwork;

    @Option(
            names = "--sandbox-uid",
            defaultValue = "" + dev.runway.agent.isolation.SandboxOptions.DEFAULT_UID,
            description = "With --executor sandbox and an agent running as root: the unprivileged uid (and gid)"
                    + " steps run as (default ${DEFAULT-VALUE}, nobody; a uid of its own is better on a shared"
                    + " host). An agent that is not root cannot change users: its steps keep its uid.")
    int sandboxUid;

    @Option(
            names = "--sandbox-read",
            split = ",",
            paramLabel = "DIR",
            description = "With --executor sandbox: more host directories steps may read (read-only), e.g. a JDK"
                    + " in /opt; the system directories, the tool cache and the actions are always there.")
    java.util.List<Path> sandboxRead = new java.util.ArrayList<>();

    @Option(
            names = "--sandbox-engine-access",
            description = "With --executor sandbox: give steps the container engine's socket (DOCKER_HOST), for jobs"
                    + " that run docker themselves (Testcontainers, image builds). THIS GIVES EVERY JOB ON THIS RUNNER"
                    + " ROOT ON THE HOST (a job can start a privileged container that mounts /), and its steps keep"
                    + " the agent's uid. Only for runners whose jobs you trust. Off by default; Docker actions and"
                    + " docker:// steps work without it.")
    boolean sandboxEngineAccess;

    /** Checks the options that need no parsing: the executor's name and what it needs on this machine. */
    void check() {
        if (!java.util.List.of("shell", "sandbox", "container").contains(executor))
            throw new CliException(
                    "--executor: '" + executor + "' is not an executor (use shell, sandbox or container)");
        if (noNetwork && executor.equals("shell"))
            throw new CliException("--no-network needs --executor sandbox or container (the shell executor cannot"
                    + " take the network away)");
        if (executor.equals("container")) {
            try (ContainerEngine e = ContainerEngine.connect(engine)) {
                e.ping();
            } catch (ContainerEngine.EngineException e) {
                throw new CliException("--executor container: " + e.getMessage()
                        + " (start Docker, or Podman's API with `podman system service --time=0"
                        + " unix:///run/podman/podman.sock`, and point --engine at it)");
            }
        }
        if (!executor.equals("sandbox") && (sandboxEngineAccess || !sandboxRead.isEmpty()))
            throw new CliException("--sandbox-engine-access and --sandbox-read need --executor sandbox");
        if (sandboxUid <= 0)
            throw new CliException("--sandbox-uid: must be a positive uid (never 0, root), not " + sandboxUid);
        if (executor.equals("sandbox") && !onPath("setpriv"))
            throw new CliException("--executor sandbox needs setpriv (util-linux) on PATH to run steps as an"
                    + " unprivileged user; install it, e.g. apt-get install util-linux");
        if (executor.equals("sandbox") && !onPath("bwrap"))
            throw new CliException(
                    "--executor sandbox needs bubblewrap (bwrap) on PATH; install it, e.g. apt-get install"
                            + " bubblewrap");
    }

    /** The limits of one job, parsed. */
    JobLimits limits() {
        try {
            return new JobLimits(
                    cpus == null ? null : limit("--cpus", () -> JobLimits.parseCpus(cpus)),
                    memory == null ? null : limit("--memory", () -> JobLimits.parseBytes(memory)),
                    pids == null ? null : limit("--pids-limit", () -> JobLimits.parsePids(pids)));
        } catch (IllegalArgumentException e) {
            throw new CliException("--memory: " + e.getMessage()); // the only range a parse does not check
        }
    }

    /** The free space below which the runner takes no jobs. */
    long minFree() {
        try {
            return JobLimits.parseBytes(minFreeDisk);
        } catch (IllegalArgumentException e) {
            throw new CliException("--min-free-disk: " + e.getMessage());
        }
    }

    /** {@code config} with these settings (after {@link #check()}). */
    AgentConfig apply(AgentConfig config) {
        return config.with(executor, !noNetwork, limits(), engine, image, minFree())
                .withSandbox(sandbox());
    }

    /** The sandbox settings (after {@link #check()}). */
    dev.runway.agent.isolation.SandboxOptions sandbox() {
        return new dev.runway.agent.isolation.SandboxOptions(sandboxUid, sandboxEngineAccess, sandboxRead);
    }

    private static <T> T limit(String flag, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new CliException(flag + ": " + e.getMessage());
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(":")) {
            if (java.nio.file.Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
