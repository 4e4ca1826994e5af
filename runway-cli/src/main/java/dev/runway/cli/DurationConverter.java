package dev.runway.cli;

import dev.runway.protocol.Durations;
import java.time.Duration;
import picocli.CommandLine;

final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
