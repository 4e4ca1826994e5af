package dev.runway.server.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a label's values to a bounded set: the first {@code max} distinct values pass, later ones become {@code
 * other}. A label set or an agent version is chosen by users, and each value is a time series in Prometheus; a
 * bound keeps one odd workflow from flooding it.
 */
final class BoundedValues {
    static final String OTHER = "other";
    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    BoundedValues(int max) {
        this.max = max;
    }

    String of(String value) {
        if (seen.contains(value)) return value;
        synchronized (this) {
            if (seen.contains(value)) return value;
            if (seen.size() >= max) return OTHER;
            seen.add(value);
            return value;
        }
    }
}
