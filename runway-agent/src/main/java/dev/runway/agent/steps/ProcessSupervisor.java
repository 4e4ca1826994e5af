package dev.runway.agent.steps;

import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs one step's process (a script, an action's Node.js, an action's container) until it ends, the step's or the
 * job's deadline passes, or the job is stopped; then kills it and says how it ended. One per job: it holds the job's
 * control and deadline.
 */
public final class ProcessSupervisor {
    private final JobControl control;
    private final long jobDeadline;
    /** How the detail of a step stopped at its own {@code timeout-minutes} begins (not the job's timeout). */
    static final String STEP_TIMED_OUT = "step timed out after ";

    private final Map<String, String> defaults;

    /** {@code jobDeadline}: a {@link System#nanoTime()} value, {@code Long.MAX_VALUE} for none. */
    public ProcessSupervisor(JobControl control, long jobDeadline) {
        this(control, jobDeadline, Map.of());
    }

    /**
     * As above, with the runner's default variables ({@link DefaultVariables}), which every process gets whatever
     * its step's {@code env:} or {@code GITHUB_ENV} said.
     */
    public ProcessSupervisor(JobControl control, long jobDeadline, Map<String, String> defaults) {
        this.control = control;
        this.jobDeadline = jobDeadline;
        this.defaults = Map.copyOf(defaults);
    }

    /** Starts something that runs like a step's process. */
    @FunctionalInterface
    interface Start {
        StepHost.Running start() throws IOException;
    }

    /**
     * Runs {@code cmd} on {@code host} with exactly {@code penv}; {@code visible} is a file or directory of the host
     * the process must see (its script, an action's directory).
     */
    StepRun run(
            StepHost host,
            List<String> cmd,
            Path visible,
            Path cwd,
            Map<String, String> given,
            Integer timeoutSeconds,
            WorkflowCommands out) {
        Map<String, String> penv = given;
        if (!defaults.isEmpty()) {
            penv = new java.util.HashMap<>(given);
            penv.putAll(defaults);
        }
        Map<String, String> env = penv;
        out.unsecureCommands("true".equalsIgnoreCase(env.get("ACTIONS_ALLOW_UNSECURE_COMMANDS")));
        return supervise(() -> host.start(cmd, visible, cwd, env, out), host::oomReason, timeoutSeconds);
    }

    /**
     * Starts a step's process and waits for its end, killing it at the step's or the job's deadline or when the job
     * is stopped; {@code oomReason} says whether a failure was an out-of-memory kill.
     */
    StepRun supervise(Start start, Supplier<String> oomReason, Integer timeoutSeconds) {
        StepHost.Running proc = null;
        try {
            proc = start.start();
            final StepHost.Running running = proc;
            AtomicReference<String> killedFor = new AtomicReference<>();
            control.onStop(() -> {
                killedFor.compareAndSet(null, "stop");
                running.kill();
            });
            long stepDeadline = timeoutSeconds == null
                    ? Long.MAX_VALUE
                    : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long deadline = Math.min(stepDeadline, jobDeadline);
            boolean exited =
                    running.waitFor(deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime());
            if (!exited) {
                killedFor.compareAndSet(null, stepDeadline <= jobDeadline ? "step" : "job");
                running.kill();
            }
            running.finish(exited);
            String why = killedFor.get();
            if (why == null) {
                int code = running.exitCode();
                String oom = code == 0 ? null : oomReason.get();
                if (oom != null) return new StepRun(JobState.FAILED, null, oom + " (exit code " + code + ")");
                return new StepRun(code == 0 ? JobState.SUCCEEDED : JobState.FAILED, code, null);
            }
            return switch (why) {
                case "step" -> new StepRun(JobState.TIMED_OUT, null, STEP_TIMED_OUT + timeoutSeconds + " s");
                case "job" -> new StepRun(JobState.TIMED_OUT, null, "job timed out after the job timeout");
                default -> {
                    JobControl.Stop s = control.stopped();
                    yield new StepRun(
                            s == null ? JobState.CANCELLED : s.result(), null, s == null ? "cancelled" : s.reason());
                }
            };
        } catch (IOException e) {
            return new StepRun(JobState.FAILED, null, "cannot start step: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (proc != null) proc.kill();
            return StepRun.interrupted();
        } finally {
            control.onStop(() -> {});
        }
    }
}
