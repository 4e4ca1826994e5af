package dev.runway.server.metrics;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reuses a value for a short while: one scrape reads several gauges from the same database snapshot instead of
 * querying once per gauge.
 */
final class CachedSupplier<T> implements Supplier<T> {
    private final Supplier<T> source;
    private final long ttlMillis;
    private final LongSupplier clock;
    private T value;
    private long readAt = Long.MIN_VALUE;

    CachedSupplier(Supplier<T> source, long ttlMillis) {
        this(source, ttlMillis, System::nanoTime);
    }

    CachedSupplier(Supplier<T> source, long ttlMillis, LongSupplier nanoClock) {
        this.source = source;
        this.ttlMillis = ttlMillis;
        this.clock = nanoClock;
    }

    @Override
    public synchronized T get() {
        long now = clock.getAsLong();
        if (value == null || now - readAt > ttlMillis * 1_000_000) {
            value = source.get();
            readAt = now;
        }
        return value;
    }
}
