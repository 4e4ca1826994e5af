package dev.runway.server;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock a test moves by hand: the wall clock ({@link InstantSource}) and, separately, the monotonic elapsed time a
 * loop measures its own pauses with ({@link #monotonicMillis()}). {@link #advance} moves both, as time passing does;
 * {@link #step} moves only the wall clock (an NTP correction).
 */
public final class TestClock implements InstantSource {
    private final AtomicLong wall;
    private final AtomicLong monotonic = new AtomicLong();

    public TestClock(long epochMillis) {
        wall = new AtomicLong(epochMillis);
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(wall.get());
    }

    @Override
    public long millis() {
        return wall.get();
    }

    public long monotonicMillis() {
        return monotonic.get();
    }

    /** Time passes: both clocks move on. */
    public TestClock advance(Duration d) {
        wall.addAndGet(d.toMillis());
        monotonic.addAndGet(d.toMillis());
        return this;
    }

    /** Only the wall clock moves (it was set forward or back); no time passed for the process. */
    public TestClock step(Duration d) {
        wall.addAndGet(d.toMillis());
        return this;
    }
}
