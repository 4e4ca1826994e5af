package dev.runway.agent.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Which phases of a JavaScript or Docker action one run of it performs. GitHub runs every action's {@code pre} at
 * the job's start ({@link JobStart}); the step itself then runs {@code main} and registers {@code post} for the job's
 * end, starting from what that {@code pre} saved ({@link AfterPre}); an action whose {@code pre} did not run at the
 * job's start (a local or nested one) runs all of them in turn ({@link #WHOLE}).
 */
sealed interface Lifecycle {
    /** One phase: {@link #POST} is registered for the job's end, not run now. */
    enum Phase {
        PRE,
        MAIN,
        POST
    }

    /** Everything in turn: {@code pre} if its {@code pre-if} holds, {@code main}, then {@code post} registered. */
    Lifecycle WHOLE = new Whole();

    /** At the job's start: only {@code pre}, if its {@code pre-if} holds; {@code saved} keeps its state for later. */
    record JobStart(Consumer<Map<String, String>> saved) implements Lifecycle {}

    /** The step's {@code pre} ran (or was skipped) at the job's start and saved {@code state}: {@code main} now. */
    record AfterPre(Map<String, String> state) implements Lifecycle {
        public AfterPre {
            state = Map.copyOf(state);
        }
    }

    /** See {@link #WHOLE}. */
    record Whole() implements Lifecycle {}

    /**
     * The phases to run now, in order, for an action that has a {@code pre} ({@code hasPre}) whose {@code pre-if}
     * holds ({@code preIf}, asked only when it matters) and a {@code post} ({@code hasPost}). A failing {@code pre}
     * ends the run before the phases after it.
     */
    default List<Phase> phases(boolean hasPre, BooleanSupplier preIf, boolean hasPost) {
        List<Phase> phases = new ArrayList<>();
        switch (this) {
            case JobStart s -> {
                if (hasPre && preIf.getAsBoolean()) phases.add(Phase.PRE);
            }
            case AfterPre a -> {
                phases.add(Phase.MAIN);
                if (hasPost) phases.add(Phase.POST);
            }
            case Whole w -> {
                if (hasPre && preIf.getAsBoolean()) phases.add(Phase.PRE);
                phases.add(Phase.MAIN);
                if (hasPost) phases.add(Phase.POST);
            }
        }
        return List.copyOf(phases);
    }

    /** The state ({@code STATE_*}) the first phase starts from. */
    default Map<String, String> state() {
        return this instanceof AfterPre a ? a.state() : Map.of();
    }

    /** After a run: keeps what it saved if this is the job's start (for the step's {@link AfterPre}). */
    default void finished(Map<String, String> state) {
        if (this instanceof JobStart s) s.saved().accept(Map.copyOf(state));
    }
}
