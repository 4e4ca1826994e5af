package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The legal moves as a table: each row is every pair of states (a job's, with "new" for creation, then an
 * attempt's) and whether the move is legal; every legal one is accepted, every other refused.
 */
class StateMachineTest {
    /** The legal job moves, written out once more by hand: the table the store must follow. */
    static final Set<String> LEGAL_JOB = Set.of(
            "new -> queued",
            "new -> skipped",
            "new -> failed",
            "new -> cancelled",
            "queued -> running",
            "queued -> cancelled",
            "running -> succeeded",
            "running -> failed",
            "running -> cancelled",
            "running -> timed_out",
            "running -> queued");

    static final Set<String> LEGAL_ATTEMPT =
            Set.of("running -> finished", "running -> lost", "running -> fenced", "fenced -> lost");

    static String name(JobState s) {
        return s == null ? "new" : s.wireName();
    }

    static Stream<Arguments> jobMoves() {
        List<JobState> froms = new ArrayList<>(Arrays.asList(JobState.values()));
        froms.add(0, null);
        List<Arguments> rows = new ArrayList<>();
        for (JobState from : froms)
            for (JobState to : JobState.values()) {
                String move = name(from) + " -> " + name(to);
                rows.add(Arguments.of(move, from, to, LEGAL_JOB.contains(move)));
            }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("jobMoves")
    void jobMoves(String move, JobState from, JobState to, boolean legal) {
        assertThat(StateMachine.legal(from, to)).as(move).isEqualTo(legal);
        if (legal) assertThat(StateMachine.require(from, to)).isEqualTo(to);
        else
            assertThatThrownBy(() -> StateMachine.require(from, to))
                    .isInstanceOf(StateMachine.IllegalMove.class)
                    .hasMessage("illegal state change job: " + (from == null ? "(new)" : from.wireName()) + " -> "
                            + to.wireName());
    }

    static Stream<Arguments> attemptMoves() {
        List<Arguments> rows = new ArrayList<>();
        for (AttemptState from : AttemptState.values())
            for (AttemptState to : AttemptState.values()) {
                String move = from.wireName() + " -> " + to.wireName();
                rows.add(Arguments.of(move, from, to, LEGAL_ATTEMPT.contains(move)));
            }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}: {3}")
    @MethodSource("attemptMoves")
    void attemptMoves(String move, AttemptState from, AttemptState to, boolean legal) {
        assertThat(StateMachine.legal(from, to)).as(move).isEqualTo(legal);
        if (legal) assertThat(StateMachine.require(from, to)).isEqualTo(to);
        else assertThatThrownBy(() -> StateMachine.require(from, to)).isInstanceOf(StateMachine.IllegalMove.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobMoves")
    void noMoveLeavesAFinishedJob(String move, JobState from, JobState to, boolean legal) {
        if (from != null && from.isTerminal()) assertThat(legal).as(move).isFalse();
    }
}
