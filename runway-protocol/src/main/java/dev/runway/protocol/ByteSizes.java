package dev.runway.protocol;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one syntax of byte sizes everywhere Runway reads one (command-line options, config files, job limits): a number
 * (fractions allowed) with an optional unit, case-insensitive. {@code k}, {@code m}, {@code g}, {@code t} (Docker's
 * form), {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB} (also {@code Ki}…) are powers of 1024; {@code KB}, {@code
 * MB}, {@code GB}, {@code TB} are powers of 1000; {@code b} or nothing means bytes.
 */
public final class ByteSizes {
    /** What is accepted, for messages. */
    public static final String FORMS = "use bytes or a number with a unit: 512m, 100MiB, 5MB, 1.5g";

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt](?:ib?|b)?|b)?");

    /** The size in bytes; an {@link IllegalArgumentException} saying what is accepted when it is not one. */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("'" + text + "' is not a size (" + FORMS + ")");
        String unit = m.group(2) == null ? "b" : m.group(2);
        double bytes = Double.parseDouble(m.group(1)) * multiplier(unit);
        if (bytes >= Long.MAX_VALUE / 2.0) throw new IllegalArgumentException("'" + text + "' is too large a size");
        return Math.round(bytes);
    }

    private static long multiplier(String unit) {
        if (unit.equals("b")) return 1;
        int power = "kmgt".indexOf(unit.charAt(0)) + 1;
        long base =
                unit.length() == 2 && unit.charAt(1) == 'b' ? 1000 : 1024; // "kb": decimal; "k", "ki", "kib": binary
        long m = 1;
        for (int i = 0; i < power; i++) m *= base;
        return m;
    }

    private ByteSizes() {}
}
