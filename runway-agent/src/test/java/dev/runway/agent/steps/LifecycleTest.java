package dev.runway.agent.steps;

import static dev.runway.agent.steps.Lifecycle.Phase.MAIN;
import static dev.runway.agent.steps.Lifecycle.Phase.POST;
import static dev.runway.agent.steps.Lifecycle.Phase.PRE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which phases of a JavaScript or Docker action run when, as a table. */
class LifecycleTest {
    private static final Lifecycle START = new Lifecycle.JobStart(state -> {});
    private static final Lifecycle AFTER_PRE = new Lifecycle.AfterPre(Map.of("k", "v"));
    private static final Lifecycle WHOLE = Lifecycle.WHOLE;

    static Stream<Arguments> table() {
        return Stream.of(
                // lifecycle, has pre, pre-if holds, has post -> phases run now
                Arguments.of(START, false, false, false, List.of()),
                Arguments.of(START, false, false, true, List.of()),
                Arguments.of(START, true, false, true, List.of()),
                Arguments.of(START, true, true, false, List.of(PRE)),
                Arguments.of(START, true, true, true, List.of(PRE)),
                Arguments.of(AFTER_PRE, true, true, false, List.of(MAIN)),
                Arguments.of(AFTER_PRE, true, false, false, List.of(MAIN)),
                Arguments.of(AFTER_PRE, true, true, true, List.of(MAIN, POST)),
                Arguments.of(AFTER_PRE, false, false, true, List.of(MAIN, POST)),
                Arguments.of(WHOLE, false, false, false, List.of(MAIN)),
                Arguments.of(WHOLE, false, true, true, List.of(MAIN, POST)),
                Arguments.of(WHOLE, true, false, false, List.of(MAIN)),
                Arguments.of(WHOLE, true, false, true, List.of(MAIN, POST)),
                Arguments.of(WHOLE, true, true, false, List.of(PRE, MAIN)),
                Arguments.of(WHOLE, true, true, true, List.of(PRE, MAIN, POST)));
    }

    @ParameterizedTest(name = "{0} pre={1} pre-if={2} post={3} -> {4}")
    @MethodSource("table")
    void phasesRunNow(Lifecycle life, boolean hasPre, boolean preIf, boolean hasPost, List<Lifecycle.Phase> phases) {
        assertThat(life.phases(hasPre, () -> preIf, hasPost)).isEqualTo(phases);
    }

    @Test
    void preIfIsAskedOnlyWhenAPreCouldRun() {
        AtomicInteger asked = new AtomicInteger();
        AFTER_PRE.phases(true, () -> asked.incrementAndGet() > 0, true);
        WHOLE.phases(false, () -> asked.incrementAndGet() > 0, true);
        START.phases(false, () -> asked.incrementAndGet() > 0, true);
        assertThat(asked).hasValue(0);
        WHOLE.phases(true, () -> asked.incrementAndGet() > 0, true);
        START.phases(true, () -> asked.incrementAndGet() > 0, true);
        assertThat(asked).hasValue(2);
    }

    @Test
    void theStateAPreSavedAtTheJobsStartIsWhereTheMainStarts() {
        List<Map<String, String>> saved = new ArrayList<>();
        Lifecycle start = new Lifecycle.JobStart(saved::add);
        assertThat(start.state()).isEmpty();
        start.finished(Map.of("pid", "42"));
        assertThat(saved).containsExactly(Map.of("pid", "42"));
        Lifecycle main = new Lifecycle.AfterPre(saved.getFirst());
        assertThat(main.state()).isEqualTo(Map.of("pid", "42"));
        main.finished(Map.of("other", "x")); // only the job's start keeps state
        WHOLE.finished(Map.of("other", "x"));
        assertThat(saved).hasSize(1);
        assertThat(WHOLE.state()).isEmpty();
    }
}
