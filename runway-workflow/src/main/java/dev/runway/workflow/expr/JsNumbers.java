package dev.runway.workflow.expr;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Pattern;

/**
 * JavaScript number semantics that GitHub's expression language inherits: {@code Number(string)} parsing and
 * {@code Number.prototype.toString()} formatting. Written by hand because no Java library reproduces them exactly.
 */
final class JsNumbers {
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)");
    private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]+");
    private static final Pattern OCT = Pattern.compile("0[oO][0-7]+");
    private static final Pattern BIN = Pattern.compile("0[bB][01]+");

    /** JavaScript's {@code Number(s)}: NaN for anything that is not a whole numeric literal. */
    static double parse(String raw) {
        String s = raw.strip();
        if (s.isEmpty()) return 0;
        switch (s) {
            case "Infinity", "+Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (DECIMAL.matcher(s).matches()) return Double.parseDouble(s);
        if (HEX.matcher(s).matches()) return new java.math.BigInteger(s.substring(2), 16).doubleValue();
        if (OCT.matcher(s).matches()) return new java.math.BigInteger(s.substring(2), 8).doubleValue();
        if (BIN.matcher(s).matches()) return new java.math.BigInteger(s.substring(2), 2).doubleValue();
        return Double.NaN;
    }

    /** {@code +d.toFixed(15)}: JavaScript leaves numbers of 1e21 and more alone. */
    static double roundTo15Decimals(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d) || Math.abs(d) >= 1e21) return d;
        return new BigDecimal(d).setScale(15, RoundingMode.HALF_UP).doubleValue();
    }

    /** JavaScript's {@code String(d)} (ECMAScript Number::toString). */
    static String toString(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (d == Double.POSITIVE_INFINITY) return "Infinity";
        if (d == Double.NEGATIVE_INFINITY) return "-Infinity";
        if (d == 0) return "0";
        if (d < 0) return "-" + toString(-d);
        // Java's Double.toString gives the shortest digits that round-trip (JDK 19+), as JavaScript requires
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int k = digits.length();
        int n = k - bd.scale(); // value = 0.digits × 10^n
        if (k <= n && n <= 21) return digits + "0".repeat(n - k);
        if (0 < n && n <= 21) return digits.substring(0, n) + "." + digits.substring(n);
        if (-6 < n && n <= 0) return "0." + "0".repeat(-n) + digits;
        int e = n - 1;
        String exp = (e >= 0 ? "+" : "-") + Math.abs(e);
        return (k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1)) + "e" + exp;
    }

    private JsNumbers() {}
}
