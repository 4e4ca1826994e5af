package dev.runway.server.store;

import java.util.Locale;

/** State of an attempt (a row of {@code attempts}): running until its runner reports (finished) or is lost; fenced
 * between its runner's deletion and the end of its lease. */
public enum AttemptState {
    RUNNING,
    /** Its runner reported a result. */
    FINISHED,
    /**
     * Its runner was deleted: every write of the attempt is refused from now on (409), and the agent stops it at its
     * next call, but the job waits for the attempt's lease to run out before another attempt may start, so the two
     * never run at once. Then the lease loop ends it as lost ("runner deleted").
     */
    FENCED,
    /** Ended without a result: its lease ran out (after its runner was lost or deleted). */
    LOST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AttemptState fromWire(String s) {
        for (AttemptState v : values()) if (v.wireName().equals(s)) return v;
        throw new IllegalArgumentException("unknown attempt state '" + s + "'");
    }
}
