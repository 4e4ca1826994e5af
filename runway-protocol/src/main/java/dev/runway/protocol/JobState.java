package dev.runway.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** State of a job; written in JSON as lower-case ({@code queued}, {@code timed_out}...). */
public enum JobState {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    TIMED_OUT,
    /** A workflow job that did not run: its {@code if:} was false or a job it needs did not succeed. */
    SKIPPED;

    public boolean isTerminal() {
        return this != QUEUED && this != RUNNING;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobState fromWire(String s) {
        for (JobState v : values()) {
            if (v.wireName().equals(s)) return v;
        }
        throw new IllegalArgumentException("unknown job state '" + s
                + "' (expected one of queued, running, succeeded, failed, cancelled, timed_out, skipped)");
    }
}
