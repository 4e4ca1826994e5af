package dev.runway.agent.exec;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.ResourceUsage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where one job's step scripts run, from its first step to its end: on the runner's host (shell executor), in a
 * bubblewrap sandbox, or in a container. Opened per job by a {@link Factory}; closing it removes everything it made
 * for the job (processes, cgroup, containers, network).
 */
public interface StepHost extends AutoCloseable {
    /** Opens the place a job runs in, or fails with a reason the job's log and result show. */
    interface Factory {
        StepHost open(JobSpec spec, Path workspace, Path filesDir, Executor.Output out, JobControl control)
                throws JobSetupException, InterruptedException;

        /** Removes what a killed agent left (processes, cgroups, containers); returns how many things it found. */
        default int reapLeftovers() {
            return 0;
        }
    }

    /** The job cannot start here; {@code getMessage()} says why, for the user. */
    final class JobSetupException extends Exception {
        public JobSetupException(String message) {
            super(message);
        }
    }

    /** A started script. */
    interface Running {
        /** Waits up to {@code nanos} ({@code Long.MAX_VALUE}: for ever); true when it has ended. */
        boolean waitFor(long nanos) throws InterruptedException;

        /** Kills it and everything it started (SIGTERM, a grace period, then SIGKILL). */
        void kill();

        /** Its exit code, once it has ended. */
        int exitCode();

        /** After it ended or was killed: removes what it left running and waits for the last of its output. */
        void finish(boolean exitedByItself) throws InterruptedException;
    }

    /**
     * Starts {@code command} (a shell and its script, which lies in {@code filesDir}) in {@code cwd} with exactly
     * {@code env}; its output (stdout and stderr together) goes to {@code out}.
     */
    Running start(List<String> command, Path script, Path cwd, Map<String, String> env, Executor.Output out)
            throws IOException;

    /** The environment a step starts from: the job's, on top of what this place provides (an image's PATH...). */
    default Map<String, String> environment(Map<String, String> jobEnv) {
        return jobEnv;
    }

    /** The shell of a step that names none: bash, or sh where there is no bash (as GitHub's runner falls back). */
    default String defaultShell() {
        return "bash";
    }

    /**
     * Whether steps see the runner's own programs (shell and sandbox executors): then a JavaScript action runs with
     * the runner's Node.js; in a container it runs with the image's {@code node}.
     */
    default boolean hostPrograms() {
        return true;
    }

    /**
     * The container network of the job ({@code runway-<job>}, or {@code none}), which Docker actions join too; null
     * where the job has none of its own (they get the engine's default network).
     */
    default String containerNetwork() {
        return null;
    }

    /** The HOME a step gets; null keeps the one in its environment. */
    default Path home() {
        return null;
    }

    /** What the job used so far. */
    default ResourceUsage usage() {
        return ResourceUsage.UNKNOWN;
    }

    /** A reason to report when a step was killed for going over the memory limit, or null if it was not. */
    default String oomReason() {
        return null;
    }

    @Override
    void close();
}
