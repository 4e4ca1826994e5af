package dev.runway.scaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeciderTest {
    static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);

    static Decider.Decision decide(int queued, List<Decider.Idle> idle, int starting, int busy, int minIdle, int max) {
        return Decider.decide(
                new Decider.Inputs(queued, idle, starting, busy, 0, minIdle, max, IDLE_TIMEOUT, false, NOW));
    }

    static Decider.Idle idleFor(String name, Duration d) {
        return new Decider.Idle(name, NOW.minus(d));
    }

    @Test
    void scalesFromZeroOneRunnerPerQueuedJob() {
        Decider.Decision d = decide(3, List.of(), 0, 0, 0, 10);
        assertThat(d.start()).isEqualTo(3);
        assertThat(d.reason()).contains("3 queued", "0 available");
    }

    @Test
    void countsStartingAndIdleRunnersAsAvailable() {
        assertThat(decide(5, List.of(idleFor("a", Duration.ZERO)), 2, 0, 0, 10).start())
                .isEqualTo(2);
    }

    @Test
    void neverGoesOverMaxAndSaysSo() {
        Decider.Decision d = decide(10, List.of(), 1, 2, 0, 4);
        assertThat(d.start()).isEqualTo(1);
        assertThat(d.reason()).contains("capped by max 4");
        Decider.Decision full = decide(10, List.of(), 2, 2, 0, 4);
        assertThat(full.start()).isZero();
        assertThat(full.summary()).isEqualTo("at max");
    }

    @Test
    void instancesStillExitingCountAgainstMax() {
        Decider.Decision d = Decider.decide(new Decider.Inputs(5, List.of(), 0, 1, 2, 0, 3, IDLE_TIMEOUT, false, NOW));
        assertThat(d.start()).isZero();
        assertThat(d.reason()).contains("2 stopping", "already at max 3");
    }

    @Test
    void keepsMinIdleWarm() {
        assertThat(decide(0, List.of(), 0, 3, 2, 10).start()).isEqualTo(2);
        assertThat(decide(1, List.of(idleFor("a", Duration.ZERO)), 0, 0, 2, 10).start())
                .isEqualTo(2);
    }

    @Test
    void stopsOnlyRunnersIdlePastTheTimeoutAndBeyondMinIdleLongestIdleFirst() {
        List<Decider.Idle> idle = List.of(
                idleFor("fresh", Duration.ofMinutes(1)),
                idleFor("old", Duration.ofMinutes(10)),
                idleFor("older", Duration.ofMinutes(20)));
        Decider.Decision d = decide(0, idle, 0, 0, 1, 10);
        assertThat(d.start()).isZero();
        assertThat(d.stop()).containsExactly("older", "old");
        // with min-idle 2 only one may go
        assertThat(decide(0, idle, 0, 0, 2, 10).stop()).containsExactly("older");
        // a queued job keeps one of them
        assertThat(decide(1, idle, 0, 0, 1, 10).stop()).containsExactly("older");
    }

    @Test
    void steadyWhenNothingNeedsDoing() {
        Decider.Decision d = decide(0, List.of(idleFor("a", Duration.ofMinutes(1))), 0, 1, 1, 10);
        assertThat(d.changes()).isFalse();
        assertThat(d.summary()).isEqualTo("steady");
    }

    @Test
    void aDrainedPoolStartsNothingAndStopsItsIdleRunners() {
        Decider.Decision d = Decider.decide(new Decider.Inputs(
                4,
                List.of(idleFor("a", Duration.ZERO), idleFor("b", Duration.ZERO)),
                0,
                1,
                0,
                2,
                10,
                IDLE_TIMEOUT,
                true,
                NOW));
        assertThat(d.start()).isZero();
        assertThat(d.stop()).containsExactlyInAnyOrder("a", "b");
        assertThat(d.reason()).contains("drained", "busy ones finish");
    }
}
