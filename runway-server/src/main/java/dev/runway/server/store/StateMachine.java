package dev.runway.server.store;

import dev.runway.protocol.JobState;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The legal moves of a job and of an attempt, as one table each. The store checks every state change against them
 * before it writes, so a move the table does not hold is a bug found at once ({@link IllegalMove}), not a row in an
 * impossible state.
 */
public final class StateMachine {
    /** States a job may be created in: queued, or finished at once by the run planner (skipped, failed, cancelled). */
    static final Set<JobState> JOB_CREATED_AS =
            EnumSet.of(JobState.QUEUED, JobState.SKIPPED, JobState.FAILED, JobState.CANCELLED);

    static final Map<JobState, Set<JobState>> JOB = new EnumMap<>(Map.of(
            // claimed by a runner; cancelled before it started
            JobState.QUEUED, EnumSet.of(JobState.RUNNING, JobState.CANCELLED),
            // its runner reported, or the lease loop ended it (requeued for another attempt, failed, cancelled, timed
            // out)
            JobState.RUNNING,
                    EnumSet.of(
                            JobState.SUCCEEDED,
                            JobState.FAILED,
                            JobState.CANCELLED,
                            JobState.TIMED_OUT,
                            JobState.QUEUED)));

    static final Map<AttemptState, Set<AttemptState>> ATTEMPT = new EnumMap<>(Map.of(
            AttemptState.RUNNING,
            EnumSet.of(AttemptState.FINISHED, AttemptState.LOST, AttemptState.FENCED),
            AttemptState.FENCED,
            EnumSet.of(AttemptState.LOST)));

    /** Whether a job may move from {@code from} to {@code to}; {@code from} null means it is being created. */
    public static boolean legal(JobState from, JobState to) {
        if (from == null) return JOB_CREATED_AS.contains(to);
        return JOB.getOrDefault(from, Set.of()).contains(to);
    }

    public static boolean legal(AttemptState from, AttemptState to) {
        return ATTEMPT.getOrDefault(from, Set.of()).contains(to);
    }

    /** The move, or {@link IllegalMove} if the table does not hold it. */
    static JobState require(JobState from, JobState to) {
        if (!legal(from, to))
            throw new IllegalMove("job: " + (from == null ? "(new)" : from.wireName()) + " -> " + to.wireName());
        return to;
    }

    static AttemptState require(AttemptState from, AttemptState to) {
        if (!legal(from, to)) throw new IllegalMove("attempt: " + from.wireName() + " -> " + to.wireName());
        return to;
    }

    /** A state change the table does not allow: a bug in the caller. */
    public static final class IllegalMove extends IllegalStateException {
        IllegalMove(String move) {
            super("illegal state change " + move);
        }
    }

    private StateMachine() {}
}
