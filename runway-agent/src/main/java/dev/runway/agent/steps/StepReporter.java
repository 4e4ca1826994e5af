package dev.runway.agent.steps;

import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobState;

/**
 * Writes the lines that frame a step in the job's log: {@code ▶ name} when it starts, {@code ✔ name (N ms)} when it
 * succeeded, {@code ✘ why} when it did not; indented under the composite action a step belongs to. The only place
 * these lines are written (tests compare logs byte for byte).
 */
public final class StepReporter {
    private final WorkflowCommands out;
    private final String indent;

    public StepReporter(WorkflowCommands out) {
        this(out, "");
    }

    private StepReporter(WorkflowCommands out, String indent) {
        this.out = out;
        this.indent = indent;
    }

    /** The reporter of the steps of a composite action run by a step this one reports. */
    StepReporter nested() {
        return new StepReporter(out, indent + "  ");
    }

    String indent() {
        return indent;
    }

    /** {@code ▶ name}; the log's following lines belong to step {@code name}. */
    void started(String name) {
        out.step(name);
        out.line(indent + "\u25b6 " + name);
    }

    void succeeded(String name, long ms) {
        out.line(indent + "\u2714 " + name + " (" + ms + " ms)");
    }

    /** {@code ✘ why}: a step that failed, or a job that could not start its steps. */
    public void failed(String why) {
        out.line(indent + "\u2718 " + why);
    }

    /**
     * The end of a step of the job or of a composite action: a failure names the step and its exit code (or why), a
     * timeout says only why; {@code continueOnError} marks a failure that does not fail the job.
     */
    void ended(String name, StepRun run, long ms, boolean continueOnError) {
        switch (run.state()) {
            case SUCCEEDED -> succeeded(name, ms);
            case FAILED -> failed(failure(name, run) + (continueOnError ? " (continue-on-error)" : ""));
            case TIMED_OUT -> failed(run.detail());
            default -> failed(name + ": " + run.detail());
        }
    }

    /** The end of an action's {@code pre} or {@code post}, or of a built-in's post step. */
    void phaseEnded(String name, StepRun run, long ms) {
        if (run.state() == JobState.SUCCEEDED) succeeded(name, ms);
        else failed(name + ": " + exitOrDetail(run));
    }

    /** {@code step 'name' exited with N} or {@code step 'name': why}: what a failed step's line and reason say. */
    static String failure(String name, StepRun run) {
        return run.exitCode() != null
                ? "step '" + name + "' exited with " + run.exitCode()
                : "step '" + name + "': " + run.detail();
    }

    /** {@code exited with N}, or why the run ended when it was not a process that exited. */
    static String exitOrDetail(StepRun run) {
        return run.exitCode() != null ? "exited with " + run.exitCode() : run.detail();
    }
}
