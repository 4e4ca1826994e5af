package dev.runway.agent.exec;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs a job's steps in some isolation: on the host, in a bubblewrap sandbox or in a container (see {@link
 * StepHost}).
 */
public interface Executor {
    /** The outcome of a job as the executor saw it. */
    record Outcome(
            dev.runway.protocol.JobState result,
            String reason,
            List<StepResult> steps,
            Map<String, String> outputs,
            List<dev.runway.protocol.Annotation> annotations,
            dev.runway.protocol.ResourceUsage usage,
            long secretsMasked) {
        public Outcome(dev.runway.protocol.JobState result, String reason, List<StepResult> steps) {
            this(result, reason, steps, Map.of(), List.of(), dev.runway.protocol.ResourceUsage.UNKNOWN, 0);
        }
    }

    /** Removes what a killed agent's jobs left behind; returns how many things it found. */
    default int reapLeftovers() {
        return 0;
    }

    /** Where step output goes (the log spool). */
    interface Output {
        void write(byte[] b, int off, int len);

        default void line(String s) {
            byte[] b = (s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            write(b, 0, b.length);
        }
    }

    /**
     * Runs the job. {@code secrets} become the {@code secrets} context of a workflow job and are masked in its log
     * from the first byte; they are never put in the environment unless a step asks for them.
     */
    Outcome run(
            JobSpec spec,
            Path workspace,
            Map<String, String> env,
            Output out,
            JobControl control,
            JobApi api,
            Map<String, String> secrets);

    /** Without a control plane for built-in actions, and without secrets (tests). */
    default Outcome run(JobSpec spec, Path workspace, Map<String, String> env, Output out, JobControl control) {
        return run(spec, workspace, env, out, control, JobApi.NONE, Map.of());
    }
}
