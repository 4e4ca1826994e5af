package dev.runway.server.store;

import java.util.Locale;

/** State of an attempt (a row of {@code attempts}): running until its runner reports (finished) or is lost. */
public enum AttemptState {
    RUNNING,
    /** Its runner reported a result. */
    FINISHED,
    /** Ended without a result: its lease ran out or its runner was deleted. */
    LOST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AttemptState fromWire(String s) {
        for (AttemptState v : values()) if (v.wireName().equals(s)) return v;
        throw new IllegalArgumentException("unknown attempt state '" + s + "'");
    }
}
