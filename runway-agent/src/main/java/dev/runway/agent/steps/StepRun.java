package dev.runway.agent.steps;

import dev.runway.protocol.JobState;

/** How one step (or one phase of an action) ended: its state, its exit code if it was a process, and why if not. */
public record StepRun(JobState state, Integer exitCode, String detail) {
    static final StepRun SUCCEEDED = new StepRun(JobState.SUCCEEDED, null, null);

    static StepRun failed(String detail) {
        return new StepRun(JobState.FAILED, null, detail);
    }

    /** The agent's thread was interrupted (the agent is stopping). */
    static StepRun interrupted() {
        return new StepRun(JobState.CANCELLED, null, "agent interrupted");
    }
}
