package dev.runway.cli;

import java.time.Duration;
import picocli.CommandLine;

/** A retention period: a duration ({@code 90d}, {@code 12h}) or {@code 0}, which keeps the kind forever. */
final class RetentionConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        if (value != null && value.strip().equals("0")) return Duration.ZERO;
        return new DurationConverter().convert(value);
    }
}
