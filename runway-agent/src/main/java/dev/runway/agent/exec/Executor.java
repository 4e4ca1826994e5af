package dev.runway.agent.exec;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs a job's steps in some isolation (the shell executor now; sandbox and container executors arrive behind
 * the same interface).
 */
public interface Executor {
    /** The outcome of a job as the executor saw it. */
    record Outcome(
            dev.runway.protocol.JobState result,
            String reason,
            List<StepResult> steps,
            Map<String, String> outputs,
            List<dev.runway.protocol.Annotation> annotations) {
        public Outcome(dev.runway.protocol.JobState result, String reason, List<StepResult> steps) {
            this(result, reason, steps, Map.of(), List.of());
        }
    }

    /** Where step output goes (the log spool). */
    interface Output {
        void write(byte[] b, int off, int len);

        default void line(String s) {
            byte[] b = (s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            write(b, 0, b.length);
        }
    }

    Outcome run(JobSpec spec, Path workspace, Map<String, String> env, Output out, JobControl control, JobApi api);

    /** Without a control plane for built-in actions (tests). */
    default Outcome run(JobSpec spec, Path workspace, Map<String, String> env, Output out, JobControl control) {
        return run(spec, workspace, env, out, control, JobApi.NONE);
    }
}
