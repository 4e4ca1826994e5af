package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    /** Always picks the top of the range, so the sequence of ceilings is visible. */
    static final RandomGenerator TOP = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    @Test
    void waitsGrowExponentiallyUpToTheCapAndResetAfterSuccess() throws Exception {
        List<Duration> slept = new ArrayList<>();
        Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), TOP, slept::add);
        for (int i = 0; i < 10; i++) b.pause();
        assertThat(slept)
                .extracting(Duration::toMillis)
                .containsExactly(250L, 500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L);
        b.reset();
        b.pause();
        assertThat(slept.get(slept.size() - 1)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void jitterStaysWithinTheCeiling() throws Exception {
        List<Duration> slept = new ArrayList<>();
        Backoff b = new Backoff(
                Duration.ofMillis(100), Duration.ofSeconds(1), RandomGenerator.of("L64X128MixRandom"), slept::add);
        for (int i = 0; i < 200; i++) {
            Duration ceiling = b.ceiling();
            b.pause();
            assertThat(slept.get(slept.size() - 1)).isBetween(Duration.ZERO, ceiling);
        }
        assertThat(slept.stream().distinct().count())
                .as("jittered, not constant")
                .isGreaterThan(10);
    }
}
