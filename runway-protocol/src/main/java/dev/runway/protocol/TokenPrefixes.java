package dev.runway.protocol;

import java.util.List;

/**
 * Every Runway secret token starts with one of these prefixes, so a leaked one is recognisable (log masking,
 * secret scanners) and a token of the wrong kind is refused with a clear message.
 */
public final class TokenPrefixes {
    public static final String API = "rwa_";
    public static final String REGISTRATION = "rwr_";
    public static final String RUNNER = "rwc_";
    public static final String JOB = "rwj_";
    public static final List<String> ALL = List.of(API, REGISTRATION, RUNNER, JOB);

    private TokenPrefixes() {}
}
