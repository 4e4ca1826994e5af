package dev.runway.agent.isolation;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.ResourceUsage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Steps as processes on the runner's host: directly (shell executor) or inside a {@link Sandbox} (sandbox
 * executor). Each step leads its own session (through {@code setsid}) so one signal reaches all it started; each
 * job gets a cgroup, when the host allows, that enforces the runner's {@link JobLimits}, measures what the job
 * used, and lets the agent kill whatever a step left running, even processes that left the session.
 */
public final class ProcessHosts implements StepHost.Factory {
    private final StepTracker tracker;
    private final Sandbox sandbox;
    private final JobLimits limits;
    private final String cgroupPrefix;
    private final boolean cgroups;

    /**
     * @param cgroupPrefix names this agent's job cgroups ({@code runway/<prefix><job>}), so a restarted agent reaps
     *     its own and no other agent's
     * @param cgroups whether to put jobs in cgroups at all
     */
    public ProcessHosts(StepTracker tracker, Sandbox sandbox, JobLimits limits, String cgroupPrefix, boolean cgroups) {
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
            List<String> full = new ArrayList<>(List.of(HostPrograms.SETSID));
            full.addAll(group == null ? launch.command() : group.enter(launch.command()));
            ProcessBuilder pb = new ProcessBuilder(full).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(launch.environment());
            if (group != null) oomKillsSeen = group.oomKills();
            Process p = pb.start();
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
                    ProcessGroups.kill(p.pid(), p.descendants().toList());
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
                            ProcessGroups.signal(p.pid(), "KILL");
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
