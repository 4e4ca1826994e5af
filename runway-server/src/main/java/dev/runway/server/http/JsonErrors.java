package dev.runway.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.runway.protocol.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Jackson's failures in the words of JSON: the field path and position, what was expected and what came ("steps[0].run:
 * expected a string, got an array"), never a Java or Jackson type name.
 */
final class JsonErrors {
    private static final Pattern ENUM_VALUES = Pattern.compile("accepted for Enum class: \\[([^]]*)]");
    /** Anything that still looks like a qualified Java name, a token name or a Jackson source description. */
    private static final Pattern JAVA_NOISE = Pattern.compile(
            "`[^`]*`|\\(token [^)]*\\)|\\[Source: [^]]*]|\\(through reference chain: .*\\)|\\(for Object starting at.*"
                    + "|\\b[a-z][a-z0-9_]*(\\.[a-zA-Z0-9_$]+)+\\b|\\bJsonToken\\.\\w+");

    /** The message for a body that could not be read as JSON of the expected shape. */
    static String describe(JsonProcessingException e) {
        StreamConstraintsException limit = find(e, StreamConstraintsException.class);
        if (limit != null) return where(e) + limitMessage(limit);
        if (e instanceof UnrecognizedPropertyException u)
            return "unknown field '" + path(u) + "'; known fields: "
                    + u.getKnownPropertyIds().stream()
                            .map(Object::toString)
                            .sorted()
                            .collect(Collectors.joining(", "));
        if (e instanceof InvalidFormatException f)
            return field(f) + "'" + f.getValue() + "' is not " + expected(f.getTargetType(), f.getOriginalMessage());
        if (e instanceof MismatchedInputException m) {
            String got = got(m.getProcessor());
            return field(m) + "expected " + expected(m.getTargetType(), m.getOriginalMessage())
                    + (got == null ? "" : ", got " + got);
        }
        if (e instanceof ValueInstantiationException v
                && v.getCause() != null
                && v.getCause().getMessage() != null)
            return field(v) + plain(v.getCause().getMessage());
        InputCoercionException range = find(e, InputCoercionException.class);
        if (range != null)
            return where(e) + "number out of range for " + expected(range.getTargetType(), "") + range(range);
        if (e instanceof JsonMappingException m) return field(m) + plain(m.getOriginalMessage());
        return "malformed JSON" + at(e.getLocation()) + ": " + plain(e.getOriginalMessage());
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) if (type.isInstance(t)) return type.cast(t);
        return null;
    }

    private static String limitMessage(StreamConstraintsException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("nesting depth"))
            return "JSON nested deeper than " + Json.MAX_INPUT_DEPTH + " levels (the limit)";
        if (m.contains("Number value length"))
            return "a number longer than " + Json.MAX_INPUT_NUMBER_LENGTH + " characters (the limit)";
        if (m.contains("String value length"))
            return "a string longer than " + Json.MAX_INPUT_STRING_LENGTH + " characters (the limit)";
        return "JSON over a size limit";
    }

    private static String range(InputCoercionException e) {
        Class<?> t = e.getTargetType();
        if (t == int.class || t == Integer.class) return " (at most " + Integer.MAX_VALUE + ")";
        if (t == long.class || t == Long.class) return " (at most " + Long.MAX_VALUE + ")";
        return "";
    }

    /** "path: " for a mapping error with a path, else the position. */
    private static String field(JsonMappingException e) {
        String p = path(e);
        return p.isEmpty() ? where(e) : p + ": ";
    }

    private static String where(JsonProcessingException e) {
        if (e instanceof JsonMappingException m && !path(m).isEmpty()) return path(m) + ": ";
        String at = at(e.getLocation());
        return at.isEmpty() ? "" : at.substring(1) + ": ";
    }

    private static String at(JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }

    private static String expected(Class<?> t, String message) {
        if (t == null) return "a different value";
        if (t.isEnum()) {
            Matcher m = ENUM_VALUES.matcher(String.valueOf(message));
            return m.find() ? "one of " + m.group(1) : "one of the allowed values";
        }
        if (CharSequence.class.isAssignableFrom(t) || t == char.class || t == Character.class) return "a string";
        if (t == int.class
                || t == Integer.class
                || t == long.class
                || t == Long.class
                || t == short.class
                || t == Short.class
                || t == BigInteger.class) return "a whole number";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class || t == BigDecimal.class)
            return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t.isArray() || Collection.class.isAssignableFrom(t)) return "an array";
        if (t == Instant.class) return "an ISO-8601 instant (2026-01-31T12:00:00Z)";
        if (t == Duration.class) return "an ISO-8601 duration (PT30S)";
        if (Map.class.isAssignableFrom(t) || t.isRecord() || !t.getName().startsWith("java.")) return "an object";
        return "a different value";
    }

    private static String got(Object processor) {
        if (!(processor instanceof JsonParser p)) return null;
        JsonToken t = p.currentToken();
        if (t == null) return null;
        return switch (t) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "true or false";
            case VALUE_NULL -> "null";
            case START_ARRAY -> "an array";
            case START_OBJECT, FIELD_NAME -> "an object";
            default -> null;
        };
    }

    /** Jackson's own words for a syntax error (they name JSON tokens, not types), with anything Java-like cut. */
    static String plain(String m) {
        if (m == null) return "invalid value";
        String s = JAVA_NOISE
                .matcher(m)
                .replaceAll("")
                .replaceAll("\\s+", " ")
                .replaceAll("\\s+([:;,.])", "$1")
                .strip();
        return s.isEmpty() ? "invalid value" : s;
    }

    private JsonErrors() {}
}
