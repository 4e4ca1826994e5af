package dev.runway.workflow.events;

import java.util.List;
import java.util.regex.Pattern;

/**
 * GitHub's filter patterns for branches, tags and paths: {@code *} any characters but {@code /}, {@code **} any
 * characters, {@code ?} zero or one of the preceding character, {@code +} one or more of it, {@code [..]} one listed
 * character or range, {@code \} escapes, and {@code !} at the start of a pattern un-matches what earlier patterns
 * matched. A list matches a value when its last pattern that applies is a positive one.
 */
public final class FilterPattern {
    private FilterPattern() {}

    /** Whether {@code value} is matched by {@code patterns} (in order, with {@code !} negations). */
    public static boolean matches(List<String> patterns, String value) {
        boolean matched = false;
        for (String p : patterns) {
            if (p.startsWith("!")) {
                if (matched && regex(p.substring(1)).matcher(value).matches()) matched = false;
            } else if (!matched && regex(p).matcher(value).matches()) {
                matched = true;
            }
        }
        return matched;
    }

    /** One pattern as a regular expression over the whole value. */
    static Pattern regex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append('?'); // zero or one of the preceding character, as in a regex
                case '+' -> re.append('+');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String set = glob.substring(i + 1, end).replaceAll("[^A-Za-z0-9-]", "");
                        re.append('[').append(set.isEmpty() ? "\\[" : set).append(']');
                        i = end;
                    }
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                    else re.append("\\\\");
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
