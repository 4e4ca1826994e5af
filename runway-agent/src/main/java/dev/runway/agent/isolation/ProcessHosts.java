package dev.runway.agent.isolation;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.ResourceUsage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Steps as processes on the runner's host: directly (shell executor) or inside a {@link Sandbox} (sandbox
 * executor). Each step is one process the agent spawns ({@link StepSpawner}; through ProcessBuilder and {@code
 * setsid} where it cannot), the leader of its own session, so one signal reaches all it started; each
 * job gets a cgroup, when the host allows, that enforces the runner's {@link JobLimits}, measures what the job
 * used, and lets the agent kill whatever a step left running, even processes that left the session.
 */
public final class ProcessHosts implements StepHost.Factory {
    private final StepTracker tracker;
    private final Sandbox sandbox;
    private final JobLimits limits;
    private final String cgroupPrefix;
    private final boolean cgroups;
    /** Resolved at the first step, not at the agent's start: native spawning costs an idle agent ~14 MB of RSS. */
    private final java.util.function.Supplier<StepSpawner> spawners;

    /**
     * @param cgroupPrefix names this agent's job cgroups ({@code runway/<prefix><job>}), so a restarted agent reaps
     *     its own and no other agent's
     * @param cgroups whether to put jobs in cgroups at all
     */
    public ProcessHosts(StepTracker tracker, Sandbox sandbox, JobLimits limits, String cgroupPrefix, boolean cgroups) {
        this(tracker, sandbox, limits, cgroupPrefix, cgroups, StepSpawner::available);
    }

    private ProcessHosts(
            StepTracker tracker,
            Sandbox sandbox,
            JobLimits limits,
            String cgroupPrefix,
            boolean cgroups,
            java.util.function.Supplier<StepSpawner> spawners) {
        this.spawners = spawners;
        this.tracker = tracker;
        this.sandbox = sandbox;
        this.limits = limits;
        this.cgroupPrefix = cgroupPrefix;
        this.cgroups = cgroups;
    }

    /** Plain host processes, no cgroups (tests and benchmarks of the step loop itself). */
    public ProcessHosts(StepTracker tracker, Sandbox sandbox) {
        this(tracker, sandbox, JobLimits.NONE, "test-", false);
    }

    /**
     * These hosts starting steps the way they do where the agent cannot spawn natively: through ProcessBuilder and
     * {@code setsid}, with the {@code kill} program (tests of that path, and the benchmark that compares the two).
     */
    public ProcessHosts withProcessBuilder() {
        return new ProcessHosts(tracker, sandbox, limits, cgroupPrefix, cgroups, () -> null);
    }

    /** Whether steps start with one native spawn each (false: through ProcessBuilder and {@code setsid}). */
    public boolean spawnsNatively() {
        return spawners.get() != null;
    }

    @Override
    public StepHost open(JobSpec spec, Path workspace, Path filesDir, Executor.Output out, JobControl control)
            throws StepHost.JobSetupException {
        if (spec.container() != null || !spec.services().isEmpty()) {
            String what = spec.container() != null
                    ? "a container (container: "
                            + (spec.container() instanceof Map<?, ?> m ? m.get("image") : spec.container()) + ")"
                    : "service containers (services: "
                            + String.join(", ", spec.services().keySet()) + ")";
            throw new StepHost.JobSetupException("this job needs " + what + ", but this runner runs jobs on its host"
                    + " with the " + (sandbox == Sandbox.HOST ? "shell" : "sandbox")
                    + " executor; run it on a runner started with --executor container");
        }
        Optional<Cgroup> group =
                cgroups ? Cgroup.create(cgroupPrefix + workspace.getFileName(), limits) : Optional.empty();
        if (group.isEmpty() && !limits.equals(JobLimits.NONE)) {
            out.line("[runway] warning: this host does not let the agent create cgroups, so the runner's limits ("
                    + limits + ") are not enforced and resource use is not measured");
        }
        return new Host(group.orElse(null), workspace, filesDir);
    }

    @Override
    public int reapLeftovers() {
        return tracker.reapLeftovers() + (cgroups ? Cgroup.reapLeftovers(cgroupPrefix) : 0);
    }

    private final class Host implements StepHost {
        private final Cgroup group;
        private final Path workspace;
        private final Path filesDir;
        private long oomKillsSeen;

        Host(Cgroup group, Path workspace, Path filesDir) {
            this.group = group;
            this.workspace = workspace;
            this.filesDir = filesDir;
        }

        @Override
        public Running start(List<String> command, Path script, Path cwd, Map<String, String> env, Executor.Output out)
                throws IOException {
            Sandbox.Launch launch = sandbox.launch(command, workspace, filesDir, script, cwd, env);
            if (group != null) oomKillsSeen = group.oomKills();
            StepSpawner spawner = spawners.get();
            return spawner != null ? spawned(spawner, launch, cwd, out) : started(launch, cwd, out);
        }

        /**
         * One posix_spawn: the step leads a new session, with bwrap's descriptors already open; in a cgroup it is
         * the cgroup's shell, which writes its own pid into {@code cgroup.procs} and execs the step (the same process
         * throughout, so nothing the step starts runs outside the cgroup).
         */
        private Running spawned(StepSpawner spawner, Sandbox.Launch launch, Path cwd, Executor.Output out)
                throws IOException {
            List<String> cmd = group == null ? launch.command() : group.enter(launch.command());
            StepSpawner.Child child;
            try {
                child = spawner.spawn(cmd, launch.environment(), cwd, launch.inputs());
            } finally {
                // open in the child by now (posix_spawn returns once it has exec'd), or never to be
                if (launch.removeOnceOpen() != null) Files.deleteIfExists(launch.removeOnceOpen());
            }
            long pid = child.pid();
            tracker.started(pid);
            Thread pump = Thread.ofVirtual().start(() -> pump(child.output(), out));
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            // waitpid blocks its thread in native code: a platform thread, not a virtual one pinning a carrier
            Thread.ofPlatform().daemon().name("step-wait-" + pid).start(() -> {
                try {
                    exit.complete(spawner.waitFor(pid));
                } catch (Throwable t) {
                    exit.completeExceptionally(t);
                }
            });
            return new Running() {
                @Override
                public boolean waitFor(long nanos) throws InterruptedException {
                    try {
                        if (nanos == Long.MAX_VALUE) exit.get();
                        else exit.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
                        return true;
                    } catch (TimeoutException e) {
                        return false;
                    } catch (ExecutionException e) {
                        return true; // waitpid failed: exitCode() says so
                    }
                }

                @Override
                public void kill() {
                    List<ProcessHandle> known = ProcessHandle.of(pid)
                            .map(h -> h.descendants().toList())
                            .orElse(List.of());
                    ProcessGroups.kill(pid, known, spawner);
                }

                @Override
                public int exitCode() {
                    return exit.join();
                }

                @Override
                public void finish(boolean exitedByItself) throws InterruptedException {
                    try {
                        exit.get();
                    } catch (ExecutionException e) {
                        // reported by exitCode()
                    }
                    // the script is done; anything it left running in its session goes too (as GitHub's runner
                    // does): one kill(2), no process
                    if (exitedByItself) ProcessGroups.signal(pid, "KILL", spawner);
                    tracker.finished(pid);
                    pump.join(TimeUnit.SECONDS.toMillis(5));
                }
            };
        }

        /** Through ProcessBuilder (and so jspawnhelper), {@code setsid}, the cgroup's shell and {@code sh}. */
        private Running started(Sandbox.Launch launch, Path cwd, Executor.Output out) throws IOException {
            List<String> full = new ArrayList<>(List.of(HostPrograms.SETSID));
            List<String> cmd = withInputs(launch);
            full.addAll(group == null ? cmd : group.enter(cmd));
            ProcessBuilder pb = new ProcessBuilder(full).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(launch.environment());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                if (launch.removeOnceOpen() != null) Files.deleteIfExists(launch.removeOnceOpen());
                throw e;
            }
            tracker.started(p.pid());
            Thread pump = Thread.ofVirtual().start(() -> pump(p.getInputStream(), out));
            return new Running() {
                @Override
                public boolean waitFor(long nanos) throws InterruptedException {
                    if (nanos == Long.MAX_VALUE) {
                        p.waitFor();
                        return true;
                    }
                    return p.waitFor(Math.max(0, nanos), TimeUnit.NANOSECONDS);
                }

                @Override
                public void kill() {
                    ProcessGroups.kill(p.pid(), p.descendants().toList(), null);
                }

                @Override
                public int exitCode() {
                    return p.exitValue();
                }

                @Override
                public void finish(boolean exitedByItself) throws InterruptedException {
                    p.waitFor();
                    if (exitedByItself) {
                        // the script is done; anything it left running in its session goes too (as GitHub's runner
                        // does). Off the critical path: spawning `kill` costs about as much as a trivial step.
                        Thread.ofVirtual().start(() -> {
                            ProcessGroups.signal(p.pid(), "KILL", null);
                            tracker.finished(p.pid());
                        });
                    } else {
                        tracker.finished(p.pid());
                    }
                    pump.join(TimeUnit.SECONDS.toMillis(5));
                }
            };
        }

        @Override
        public Path home() {
            return sandbox.home(filesDir);
        }

        @Override
        public ResourceUsage usage() {
            return group == null ? ResourceUsage.UNKNOWN : group.usage();
        }

        @Override
        public String oomReason() {
            return group == null ? null : group.oomReasonSince(oomKillsSeen, "the job");
        }

        @Override
        public void close() {
            if (group != null) group.destroy();
        }
    }

    /**
     * The launch's command preceded by an {@code sh} that opens its inputs at their descriptors (and removes the one
     * to remove), for a start that cannot open them itself.
     */
    static List<String> withInputs(Sandbox.Launch launch) {
        if (launch.inputs().isEmpty()) return launch.command();
        StringBuilder script = new StringBuilder("exec");
        List<String> args = new ArrayList<>();
        int n = 0;
        String remove = null;
        for (Map.Entry<Integer, Path> in : launch.inputs().entrySet()) {
            n++;
            script.append(' ').append(in.getKey()).append("<\"$").append(n).append('"');
            args.add(in.getValue().toString());
            if (in.getValue().equals(launch.removeOnceOpen())) remove = "$" + n;
        }
        if (remove != null) script.append(" && rm -f \"").append(remove).append('"');
        script.append(" && shift ").append(n).append(" && exec \"$@\"");
        List<String> cmd = new ArrayList<>(List.of(HostPrograms.SH, "-c", script.toString(), "sh"));
        cmd.addAll(args);
        cmd.addAll(launch.command());
        return cmd;
    }

    static void pump(InputStream in, Executor.Output out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
        } catch (IOException ignored) {
            // the step's pipe closed (it was killed): nothing more to read
        }
    }
}
