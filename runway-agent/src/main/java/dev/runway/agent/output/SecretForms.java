package dev.runway.agent.output;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The URL-encoded and JSON-escaped spellings of a secret value that {@link SecretMasker} masks besides the value
 * itself. Encoders differ in which characters they leave alone, so each family is spelt every way a common encoder
 * writes it:
 *
 * <ul>
 *   <li>URL: percent-encoding of the UTF-8 bytes, keeping {@code A-Za-z0-9} and, by style, {@code -._*} (HTML forms,
 *       Java's {@code URLEncoder}), {@code -._~} (RFC 3986: Python's {@code quote(s, safe="")}, Go, curl), {@code
 *       -._~/} (Python's {@code quote} default) or {@code -._~!*'()} (JavaScript's {@code encodeURIComponent}); a
 *       space as {@code +} or {@code %20}; hex digits upper or lower case.
 *   <li>JSON: a string's content with {@code "} and {@code \} escaped, control characters as {@code \n}-style escapes
 *       or <code>&#92;u00XX</code>; non-ASCII kept or written as <code>&#92;uXXXX</code> (UTF-16, as {@code json.dumps} with {@code
 *       ensure_ascii} does); {@code /} kept or written {@code \/} (PHP); {@code <>&} kept or written as <code>&#92;u003c</code>
 *       (Go); hex upper or lower case; and, for values up to {@value #MAX_ALL_ESCAPED} characters, every character as
 *       <code>&#92;uXXXX</code>. JSON that escapes only some plain ASCII characters some other way is not matched.
 * </ul>
 */
final class SecretForms {
    /** Values longer than this are not spelt with every character escaped (6 bytes a character). */
    static final int MAX_ALL_ESCAPED = 1024;

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String[] URL_KEPT = {"-._*", "-._~", "-._~/", "-._~!*'()"};

    private SecretForms() {}

    /** Every URL-encoded spelling of {@code value}. */
    static Set<String> url(String value) {
        Set<String> out = new LinkedHashSet<>();
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        for (String kept : URL_KEPT) {
            for (boolean plus : new boolean[] {true, false}) {
                for (boolean upper : new boolean[] {true, false}) out.add(percent(utf8, ALNUM + kept, plus, upper));
            }
        }
        return out;
    }

    private static String percent(byte[] utf8, String kept, boolean plusForSpace, boolean upper) {
        StringBuilder b = new StringBuilder(utf8.length * 3);
        for (byte x : utf8) {
            int c = x & 0xff;
            if (c < 0x80 && kept.indexOf(c) >= 0) b.append((char) c);
            else if (c == ' ' && plusForSpace) b.append('+');
            else b.append('%').append(hex(c, 2, upper));
        }
        return b.toString();
    }

    /** Every JSON-escaped spelling of {@code value} (a string's content, without its quotes). */
    static Set<String> json(String value) {
        Set<String> out = new LinkedHashSet<>();
        for (boolean upper : new boolean[] {true, false}) {
            for (boolean ascii : new boolean[] {false, true}) {
                for (boolean slash : new boolean[] {false, true}) {
                    for (boolean html : new boolean[] {false, true}) out.add(json(value, upper, ascii, slash, html));
                }
            }
            if (value.length() <= MAX_ALL_ESCAPED) {
                StringBuilder all = new StringBuilder(value.length() * 6);
                for (int i = 0; i < value.length(); i++) all.append("\\u").append(hex(value.charAt(i), 4, upper));
                out.add(all.toString());
            }
        }
        return out;
    }

    private static String json(String value, boolean upper, boolean asciiOnly, boolean slash, boolean html) {
        StringBuilder b = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '/' -> b.append(slash ? "\\/" : "/");
                default -> {
                    boolean escape = c < 0x20
                            || (asciiOnly && c > 0x7e)
                            || (html && (c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029'));
                    if (escape) b.append("\\u").append(hex(c, 4, upper));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    private static String hex(int v, int digits, boolean upper) {
        String h = Integer.toHexString(v);
        h = "0".repeat(Math.max(0, digits - h.length())) + h;
        return upper ? h.toUpperCase(java.util.Locale.ROOT) : h;
    }
}
