package dev.runway.cli;

import picocli.CommandLine;

/** Byte sizes on the command line, in the syntax of {@link dev.runway.protocol.ByteSizes} ({@code 5m}, {@code 5MiB}, {@code 5MB}). */
final class Sizes implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        try {
            return dev.runway.protocol.ByteSizes.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(
                    "invalid size '" + value + "' (" + dev.runway.protocol.ByteSizes.FORMS + ")");
        }
    }
}
