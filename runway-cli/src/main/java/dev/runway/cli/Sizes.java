package dev.runway.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Byte sizes on the command line: {@code 1048576}, {@code 512KiB}, {@code 100MiB}, {@code 1GiB} (also KB/MB/GB = 1000^n). */
final class Sizes implements CommandLine.ITypeConverter<Long> {
    private static final Pattern P = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        Matcher m = P.matcher(value.strip());
        if (!m.matches())
            throw new CommandLine.TypeConversionException(
                    "invalid size '" + value + "' (expected e.g. 100MiB, 512KiB, 1GiB)");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit) {
            case "b" -> 1;
            case "k", "kib", "ki" -> 1024;
            case "kb" -> 1000;
            case "m", "mib", "mi" -> 1024L * 1024;
            case "mb" -> 1000L * 1000;
            case "g", "gib", "gi" -> 1024L * 1024 * 1024;
            case "gb" -> 1000L * 1000 * 1000;
            default -> throw new CommandLine.TypeConversionException("invalid size unit in '" + value + "'");
        };
        return Math.multiplyExact(n, mult);
    }
}
