package dev.runway.server.http;

import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts unrecognised credentials per client address in a sliding window; past the limit the address gets 429 for
 * every authenticated call until its oldest failure leaves the window, so guessing tokens is slow. Only unknown
 * tokens count: a missing header, a revoked or expired token, or the wrong kind of a real one is a mistake, not a
 * guess. Per replica and in memory: an attacker spread over several replicas is slowed on each.
 */
final class AuthFailures {
    static final int LIMIT = 20;
    static final long WINDOW_MILLIS = 60_000;
    /** Addresses tracked at most (oldest forgotten first), so a flood of addresses cannot exhaust memory. */
    static final int MAX_ADDRESSES = 10_000;

    private final InstantSource clock;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    AuthFailures(InstantSource clock) {
        this.clock = clock;
    }

    /** Throws 429 when {@code address} is over the limit. */
    void check(String address) {
        Deque<Long> d = failures.get(address);
        if (d == null) return;
        long now = clock.millis();
        synchronized (d) {
            while (!d.isEmpty() && d.peekFirst() <= now - WINDOW_MILLIS) d.pollFirst();
            if (d.size() >= LIMIT) {
                long retry = Math.max(1, (d.peekFirst() + WINDOW_MILLIS - now + 999) / 1000);
                throw new ApiException(
                        429,
                        "too_many_requests",
                        "too many unrecognised credentials from " + address + "; retry in " + retry + " s");
            }
        }
    }

    void failed(String address) {
        if (failures.size() >= MAX_ADDRESSES && !failures.containsKey(address)) failures.clear();
        Deque<Long> d = failures.computeIfAbsent(address, a -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(clock.millis());
            while (d.size() > LIMIT) d.pollFirst();
        }
    }
}
