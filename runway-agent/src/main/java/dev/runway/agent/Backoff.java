package dev.runway.agent;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time in
 * [0, min(max, base * 2^n)]. {@link #reset()} after a success. Waiting goes through a {@link Sleeper} so tests
 * check the sequence without sleeping.
 */
public final class Backoff {
    /** How the agent waits; tests substitute a recorder. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(d);
    }

    private final Duration base;
    private final Duration max;
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private int failures;

    public Backoff(Duration base, Duration max, RandomGenerator random, Sleeper sleeper) {
        this.base = base;
        this.max = max;
        this.random = random;
        this.sleeper = sleeper;
    }

    public static Backoff standard() {
        return new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30), RandomGenerator.getDefault(), Sleeper.REAL);
    }

    /** The upper bound of the next wait. */
    public Duration ceiling() {
        long cap = base.toMillis() << Math.min(failures, 20);
        return Duration.ofMillis(Math.min(max.toMillis(), cap));
    }

    /** Records a failure and waits. */
    public Duration pause() throws InterruptedException {
        Duration d = Duration.ofMillis(random.nextLong(ceiling().toMillis() + 1));
        failures++;
        sleeper.sleep(d);
        return d;
    }

    public void reset() {
        failures = 0;
    }

    public int failures() {
        return failures;
    }
}
