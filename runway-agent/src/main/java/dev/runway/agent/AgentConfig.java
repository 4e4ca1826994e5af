package dev.runway.agent;

import dev.runway.agent.exec.Isolation;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the runner agent can be told at start. Only the CLI reads files, flags and environment
 * variables; it builds one of these (see docs/configuration.md).
 *
 * @param serverUrl control plane base URL, e.g. {@code http://127.0.0.1:8420}
 * @param registrationToken used only when {@code credentialFile} does not hold a credential yet (may be null then)
 * @param name runner name shown in {@code runway runners}; null means the host name
 * @param labels labels this runner offers; a job runs here only if all its labels are among them
 * @param workDir parent of the per-job workspaces
 * @param credentialFile where the runner credential is kept (created mode 0600) and reused after restarts
 * @param slots how many jobs run at once
 * @param ephemeral run exactly one job, then deregister and exit
 * @param shutdownGrace on SIGTERM, how long a running job may go on before it is cancelled
 * @param pollWait how long one long-poll may be held by the server
 * @param executor {@code shell} (steps on the host), {@code sandbox} (steps in a bubblewrap sandbox) or {@code
 *     container} (each job in its own container, with its services): the {@code --executor} flag's value, read as
 *     an {@link Isolation} ({@link #isolation()}); another value is an {@link IllegalArgumentException}
 * @param network whether sandboxed steps may use the network
 * @param limits the most one job may use (CPUs, memory, processes); enforced through cgroups or the container engine
 * @param engine the container engine's address ({@code unix:///run/podman/podman.sock}); null: DOCKER_HOST or the
 *     usual sockets
 * @param image with the container executor, the image of jobs that name no {@code container:}
 * @param minFreeDiskBytes below this much free space on the work directory's file system the runner takes no jobs
 *     and reports itself unhealthy
 * @param secrets secrets this runner gives every workflow job as {@code secrets.*} (masked in logs); kept in memory
 *     only (`runway run --secret`)
 * @param toolCache the runner's tool cache ({@code RUNNER_TOOL_CACHE}) that setup-java, setup-node... pick from;
 *     null means {@code tool-cache} next to the work dir ({@code <data-dir>/tool-cache})
 * @param actions where {@code uses: owner/repo@ref} actions come from (a local store, git mirrors; fetched ones
 *     are cached in {@code <workDir>/runway/.actions}), the Node.js of JavaScript actions, built-ins to take from there
 * @param sandbox with the sandbox executor: the unprivileged uid of steps, whether they reach the container engine
 *     (root on the host), more host directories they may read
 * @param hooks the agent's job hooks ({@code --hooks-dir}): programs it runs around every job, on its host, outside
 *     the job's isolation; {@link dev.runway.agent.steps.JobHooks#NONE} when null
 */
public record AgentConfig(
        URI serverUrl,
        String registrationToken,
        String name,
        List<String> labels,
        Path workDir,
        Path credentialFile,
        int slots,
        boolean ephemeral,
        Duration shutdownGrace,
        Duration pollWait,
        Map<String, String> secrets,
        String executor,
        boolean network,
        dev.runway.agent.isolation.JobLimits limits,
        String engine,
        String image,
        long minFreeDiskBytes,
        Path toolCache,
        dev.runway.agent.actions.ActionSettings actions,
        dev.runway.agent.isolation.SandboxOptions sandbox,
        dev.runway.agent.steps.JobHooks hooks) {

    public static final String DEFAULT_IMAGE = "debian:stable-slim";
    public static final long DEFAULT_MIN_FREE_DISK = 1L << 30;

    public AgentConfig(
            URI serverUrl,
            String registrationToken,
            String name,
            List<String> labels,
            Path workDir,
            Path credentialFile,
            int slots,
            boolean ephemeral,
            Duration shutdownGrace,
            Duration pollWait) {
        this(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                Map.of(),
                "shell",
                true,
                dev.runway.agent.isolation.JobLimits.NONE,
                null,
                DEFAULT_IMAGE,
                DEFAULT_MIN_FREE_DISK);
    }

    /** Without a tool cache of its own: the default next to the work dir. */
    public AgentConfig(
            URI serverUrl,
            String registrationToken,
            String name,
            List<String> labels,
            Path workDir,
            Path credentialFile,
            int slots,
            boolean ephemeral,
            Duration shutdownGrace,
            Duration pollWait,
            Map<String, String> secrets,
            String executor,
            boolean network,
            dev.runway.agent.isolation.JobLimits limits,
            String engine,
            String image,
            long minFreeDiskBytes) {
        this(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                null,
                dev.runway.agent.actions.ActionSettings.NONE,
                null);
    }

    /** With the default sandbox settings. */
    public AgentConfig(
            URI serverUrl,
            String registrationToken,
            String name,
            List<String> labels,
            Path workDir,
            Path credentialFile,
            int slots,
            boolean ephemeral,
            Duration shutdownGrace,
            Duration pollWait,
            Map<String, String> secrets,
            String executor,
            boolean network,
            dev.runway.agent.isolation.JobLimits limits,
            String engine,
            String image,
            long minFreeDiskBytes,
            Path toolCache,
            dev.runway.agent.actions.ActionSettings actions) {
        this(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                null,
                null);
    }

    /** Without job hooks. */
    public AgentConfig(
            URI serverUrl,
            String registrationToken,
            String name,
            List<String> labels,
            Path workDir,
            Path credentialFile,
            int slots,
            boolean ephemeral,
            Duration shutdownGrace,
            Duration pollWait,
            Map<String, String> secrets,
            String executor,
            boolean network,
            dev.runway.agent.isolation.JobLimits limits,
            String engine,
            String image,
            long minFreeDiskBytes,
            Path toolCache,
            dev.runway.agent.actions.ActionSettings actions,
            dev.runway.agent.isolation.SandboxOptions sandbox) {
        this(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                sandbox,
                null);
    }

    /** The same runner with other job hooks ({@code --hooks-dir}, loaded with {@link dev.runway.agent.steps.JobHooks#load}). */
    public AgentConfig withHooks(dev.runway.agent.steps.JobHooks hooks) {
        return new AgentConfig(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                sandbox,
                hooks);
    }

    /** The same runner with other sandbox settings. */
    public AgentConfig withSandbox(dev.runway.agent.isolation.SandboxOptions sandbox) {
        return new AgentConfig(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                sandbox,
                hooks);
    }

    /** The same runner with another tool cache directory. */
    public AgentConfig withToolCache(Path dir) {
        return new AgentConfig(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                dir,
                actions,
                sandbox,
                hooks);
    }

    /** The same runner with other action sources. */
    public AgentConfig withActions(Path actionsDir, List<String> actionsGitBases) {
        return withActions(new dev.runway.agent.actions.ActionSettings(
                actionsDir, actionsGitBases, actions.node(), actions.preferSources()));
    }

    /** The same runner with other action settings. */
    public AgentConfig withActions(dev.runway.agent.actions.ActionSettings actions) {
        return new AgentConfig(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                sandbox,
                hooks);
    }

    /** Where {@code uses: owner/repo@ref} actions are looked up; git-fetched ones are cached under the work dir. */
    public dev.runway.agent.actions.ActionSources actionSources() {
        return actions.sources(workDir == null ? null : WorkArea.of(workDir).resolve(".actions"));
    }

    /** The directories actions are read from: the local store (if any) and the cache of fetched ones. */
    public List<Path> actionDirs() {
        List<Path> dirs = new java.util.ArrayList<>();
        if (actions.dir() != null) dirs.add(actions.dir());
        if (workDir != null) dirs.add(WorkArea.of(workDir).resolve(".actions"));
        return dirs;
    }

    /**
     * What sandboxed steps may read of the host besides the system directories: the action store and cache, the
     * tool cache, the installation of the Node.js that runs JavaScript actions.
     */
    public List<Path> sandboxReadable() {
        List<Path> dirs = new java.util.ArrayList<>(actionDirs());
        if (toolCache != null) dirs.add(toolCache);
        if (actions.node() != null) {
            Path node = actions.node();
            try {
                node = node.toRealPath();
            } catch (java.io.IOException e) {
                // not there (yet): its path as given
            }
            Path home = node.getParent() == null ? null : node.getParent().getParent(); // <home>/bin/node
            if (home != null && home.getNameCount() > 0) dirs.add(home);
        }
        return dirs;
    }

    /** The local store of actions, or null. */
    public Path actionsDir() {
        return actions.dir();
    }

    /** The git base URLs actions are fetched from. */
    public List<String> actionsGitBases() {
        return actions.gitBases();
    }

    /** Where this runner's jobs run: {@link #executor} as a typed choice. */
    public Isolation isolation() {
        return Isolation.of(executor);
    }

    /** The same runner with another executor. */
    public AgentConfig withExecutor(String executor, boolean network) {
        return with(executor, network, limits, engine, image, minFreeDiskBytes);
    }

    /** The same runner with other isolation settings. */
    public AgentConfig with(
            String executor,
            boolean network,
            dev.runway.agent.isolation.JobLimits limits,
            String engine,
            String image,
            long minFreeDiskBytes) {
        return new AgentConfig(
                serverUrl,
                registrationToken,
                name,
                labels,
                workDir,
                credentialFile,
                slots,
                ephemeral,
                shutdownGrace,
                pollWait,
                secrets,
                executor,
                network,
                limits,
                engine,
                image,
                minFreeDiskBytes,
                toolCache,
                actions,
                sandbox,
                hooks);
    }

    /** Names what this agent creates outside its work dir (cgroups, containers), so it reaps its own only. */
    public String agentKey() {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(workDir.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "a" + java.util.HexFormat.of().formatHex(h, 0, 5);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static final int DEFAULT_SLOTS = 1;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_POLL_WAIT = Duration.ofSeconds(30);

    public AgentConfig {
        labels = labels == null ? List.of() : List.copyOf(labels);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        executor = executor == null
                ? Isolation.HOST.flag()
                : Isolation.of(executor).flag();
        limits = limits == null ? dev.runway.agent.isolation.JobLimits.NONE : limits;
        image = image == null || image.isBlank() ? DEFAULT_IMAGE : image;
        actions = actions == null ? dev.runway.agent.actions.ActionSettings.NONE : actions.absolute();
        sandbox = sandbox == null ? dev.runway.agent.isolation.SandboxOptions.DEFAULT : sandbox;
        hooks = hooks == null ? dev.runway.agent.steps.JobHooks.NONE : hooks;
        // steps run in other directories: every path the agent hands to them must be absolute
        workDir = workDir == null ? null : workDir.toAbsolutePath().normalize();
        credentialFile =
                credentialFile == null ? null : credentialFile.toAbsolutePath().normalize();
        if (toolCache == null && workDir != null) toolCache = workDir.resolveSibling("tool-cache");
        toolCache = toolCache == null ? null : toolCache.toAbsolutePath().normalize();
    }
}
