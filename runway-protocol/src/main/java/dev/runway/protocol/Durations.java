package dev.runway.protocol;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human durations used in the API, config and CLI: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}, or an ISO-8601 {@code PT1H}. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    public static Duration parse(String text) {
        if (text == null || text.isBlank())
            throw new IllegalArgumentException("empty duration (expected e.g. 30s, 5m, 1h, 7d)");
        String s = text.trim();
        Matcher m = SIMPLE.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid duration '" + s + "' (expected e.g. 30s, 5m, 1h, 7d)");
        }
    }

    private Durations() {}
}
