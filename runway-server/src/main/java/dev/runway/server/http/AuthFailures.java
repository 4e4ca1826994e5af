package dev.runway.server.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts unrecognised credentials in a sliding window, per client address and per presented token. It only ever
 * decides how a credential that already failed is refused: 401 while under the limit, 429 past it (and then without
 * an audit row, so a flood cannot fill the audit log). A token that failed more than {@link #LIMIT} times is refused without
 * looking it up again. A valid credential is never refused, whatever its address sent before: a flood of bad tokens
 * from a runner's address (a NAT, a shared host) cannot lock that runner out. Memory is bounded: each counter keeps at
 * most {@link #LIMIT} + 1 times and at most {@link #MAX_KEYS} counters are kept (expired ones are dropped first).
 * Per replica and in memory.
 */
final class AuthFailures {
    static final int LIMIT = 20;
    static final long WINDOW_MILLIS = 60_000;
    /** Addresses (and, separately, tokens) tracked at most, so a flood of addresses cannot exhaust memory. */
    static final int MAX_KEYS = 10_000;

    private final InstantSource clock;
    private final Counter addresses = new Counter();
    private final Counter tokens = new Counter();

    AuthFailures(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * The 429 for a token that failed too often: refused before it is looked up (an unknown token never becomes valid;
     * tokens are random and made by the server). Null when it may be looked up.
     */
    ApiException knownBad(String token) {
        long retry = tokens.retrySeconds(hash(token), clock.millis());
        return retry == 0 ? null : tooMany("this token was not recognised more than " + LIMIT + " times", retry);
    }

    /** Records a failed credential from {@code address}; the 429 to answer instead of 401 past the limit, or null. */
    ApiException failed(String address, String token) {
        long now = clock.millis();
        if (token != null) tokens.add(hash(token), now);
        addresses.add(address, now);
        long retry = Math.max(
                addresses.retrySeconds(address, now), token == null ? 0 : tokens.retrySeconds(hash(token), now));
        return retry == 0 ? null : tooMany("too many unrecognised credentials from " + address, retry);
    }

    private static ApiException tooMany(String why, long retrySeconds) {
        return new ApiException(429, "too_many_requests", why + "; retry in " + retrySeconds + " s");
    }

    /** Tokens are kept as hashes: a mistyped real token is never held in memory in plain. */
    private static String hash(String token) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Failure times per key in the window (over the limit past {@link #LIMIT}), at most {@link #MAX_KEYS} keys. */
    private static final class Counter {
        private final Map<String, Deque<Long>> times = new ConcurrentHashMap<>();

        void add(String key, long now) {
            if (times.size() >= MAX_KEYS && !times.containsKey(key)) forgetExpired(now);
            if (times.size() >= MAX_KEYS && !times.containsKey(key)) times.clear(); // a flood of keys: start over
            Deque<Long> d = times.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(now);
                while (d.size() > LIMIT + 1) d.pollFirst();
            }
        }

        /** Seconds until {@code key} is under the limit again; 0 when it is under it now. */
        long retrySeconds(String key, long now) {
            Deque<Long> d = times.get(key);
            if (d == null) return 0;
            synchronized (d) {
                while (!d.isEmpty() && d.peekFirst() <= now - WINDOW_MILLIS) d.pollFirst();
                if (d.size() <= LIMIT) return 0;
                return Math.max(1, (d.peekFirst() + WINDOW_MILLIS - now + 999) / 1000);
            }
        }

        private void forgetExpired(long now) {
            times.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    Long last = e.getValue().peekLast();
                    return last == null || last <= now - WINDOW_MILLIS;
                }
            });
        }
    }
}
