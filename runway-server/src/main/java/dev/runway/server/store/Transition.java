package dev.runway.server.store;

import dev.runway.protocol.JobState;

/**
 * One committed change of a job's state, whoever caused it: what every reaction (log followers, dispatcher, metrics,
 * the run scheduler) is told. {@code from} is null for a job created in {@code to}; {@code attempt} is the attempt
 * that ended or started (0 before the first claim); {@code runnerId} the runner of that attempt, null if none;
 * {@code job} the job's row as it is after the change.
 */
public record Transition(
        String jobId,
        String runId,
        int attempt,
        JobState from,
        JobState to,
        Cause cause,
        long at,
        String runnerId,
        JobRecord job) {

    /** Why a job changed state. */
    public enum Cause {
        /** Created queued: submitted through the API, or started by its workflow run. */
        ENQUEUED,
        /** Created already finished by the run planner: skipped, or failed or cancelled before it could start. */
        PLANNED,
        CLAIMED,
        /** Its runner reported the result. */
        COMPLETED,
        /** A user cancelled the job. */
        USER_CANCEL,
        RUN_CANCEL,
        /** Another leg of its matrix failed. */
        FAIL_FAST,
        /** A newer run or job of its concurrency group took its place. */
        CONCURRENCY,
        /** Its runner stopped heartbeating. */
        LEASE_EXPIRED,
        /** Far past its timeout, and its runner did not stop it. */
        TIMEOUT,
        RUNNER_DELETED
    }

    public boolean finished() {
        return to.isTerminal();
    }

    /** The attempt ended because its runner was gone (lease or deletion) and the job was requeued or failed. */
    public boolean runnerLost() {
        return (cause == Cause.LEASE_EXPIRED || cause == Cause.RUNNER_DELETED)
                && (to == JobState.QUEUED || to == JobState.FAILED);
    }

    /** Seconds from the attempt's start to the job's end; null if it never started or has not ended. */
    public Double durationSeconds() {
        if (job.startedAt() == null || job.finishedAt() == null) return null;
        return (job.finishedAt() - job.startedAt()) / 1000.0;
    }

    static Transition of(JobRecord after, int attempt, JobState from, Cause cause, long at, String runnerId) {
        return new Transition(after.id(), after.runId(), attempt, from, after.state(), cause, at, runnerId, after);
    }
}
