package dev.runway.protocol;

import java.util.Locale;

/**
 * What an API token may do, each role including the ones before it: {@code viewer} reads (jobs, runs, logs,
 * artifacts, runners), {@code operator} also submits and cancels jobs and runs, {@code admin} also manages tokens,
 * secrets and runners.
 */
public enum Role {
    VIEWER,
    OPERATOR,
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    public static Role fromWire(String s) {
        for (Role r : values()) if (r.wireName().equals(s)) return r;
        throw new IllegalArgumentException("'" + s + "' is not a role (viewer, operator or admin)");
    }
}
