package dev.runway.agent.output;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * GitHub's problem matchers ({@code ::add-matcher::FILE}, {@code ::remove-matcher owner=NAME::}): JSON files of
 * regular expressions that turn lines of a step's output (a compiler's {@code file:line: error: ...}) into
 * annotations. A matcher has one pattern, or several that must match consecutive lines, the last of which may {@code
 * loop} over the lines that follow. The real setup-node, setup-java, setup-go and setup-python register matchers,
 * as do many projects' workflows. Not thread-safe: {@link WorkflowCommands} calls it under its lock.
 */
final class ProblemMatchers {
    /** A problem found in the output. */
    record Problem(String severity, String message, String file, Integer line, Integer column, String code) {}

    record Step(Pattern regexp, int file, int line, int column, int severity, int message, int code, boolean loop) {}

    /** One matcher and where it stands in a multi-line match. */
    static final class Matcher1 {
        final String owner;
        final String defaultSeverity;
        final List<Step> steps;
        int next;
        final Map<String, String> pending = new LinkedHashMap<>();

        Matcher1(String owner, String defaultSeverity, List<Step> steps) {
            this.owner = owner;
            this.defaultSeverity = defaultSeverity;
            this.steps = steps;
        }
    }

    private final Map<String, Matcher1> matchers = new LinkedHashMap<>();

    boolean isEmpty() {
        return matchers.isEmpty();
    }

    /** Registers the matchers in {@code file} (replacing ones with the same owner); returns their owners. */
    List<String> add(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.lenient().readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException("not a problem matcher file (invalid JSON): " + e.getOriginalMessage());
        }
        JsonNode list = root == null ? null : root.get("problemMatcher");
        if (list == null || !list.isArray() || list.isEmpty())
            throw new IOException("not a problem matcher file: it needs a 'problemMatcher' list");
        List<Matcher1> parsed = new ArrayList<>();
        for (JsonNode m : list) {
            String owner = text(m, "owner");
            if (owner == null || owner.isBlank()) throw new IOException("a problem matcher needs an 'owner'");
            JsonNode patterns = m.get("pattern");
            if (patterns == null || !patterns.isArray() || patterns.isEmpty())
                throw new IOException("problem matcher '" + owner + "' needs a 'pattern' list");
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < patterns.size(); i++) {
                JsonNode p = patterns.get(i);
                String regexp = text(p, "regexp");
                if (regexp == null) throw new IOException("problem matcher '" + owner + "': a pattern needs 'regexp'");
                Pattern compiled;
                try {
                    compiled = Pattern.compile(regexp);
                } catch (PatternSyntaxException e) {
                    throw new IOException(
                            "problem matcher '" + owner + "': bad regexp " + regexp + ": " + e.getDescription());
                }
                boolean loop = p.path("loop").asBoolean(false);
                if (loop && (i != patterns.size() - 1 || i == 0))
                    throw new IOException(
                            "problem matcher '" + owner + "': only the last of several patterns may loop");
                steps.add(new Step(
                        compiled,
                        p.path("file").asInt(0),
                        p.path("line").asInt(0),
                        p.path("column").asInt(0),
                        p.path("severity").asInt(0),
                        p.path("message").asInt(0),
                        p.path("code").asInt(0),
                        loop));
            }
            if (steps.getLast().message() == 0)
                throw new IOException("problem matcher '" + owner + "': its last pattern needs a 'message' group");
            parsed.add(new Matcher1(owner, text(m, "severity"), steps));
        }
        List<String> owners = new ArrayList<>();
        for (Matcher1 m : parsed) {
            matchers.put(m.owner, m);
            owners.add(m.owner);
        }
        return owners;
    }

    /** Removes the matcher {@code owner}; false if there was none. */
    boolean remove(String owner) {
        return matchers.remove(owner) != null;
    }

    /** The problems {@code line} completes. */
    List<Problem> match(String line) {
        List<Problem> found = new ArrayList<>();
        for (Matcher1 m : matchers.values()) {
            Problem p = match(m, line);
            if (p != null) found.add(p);
        }
        return found;
    }

    private static Problem match(Matcher1 m, String line) {
        int last = m.steps.size() - 1;
        // a looping last pattern: each further line that matches it is another problem
        if (m.next == last && last > 0 && m.steps.get(last).loop() && !m.pending.isEmpty()) {
            Matcher hit = m.steps.get(last).regexp().matcher(line);
            if (hit.find()) {
                Map<String, String> values = new LinkedHashMap<>(m.pending);
                collect(m.steps.get(last), hit, values);
                return problem(m, values);
            }
            m.next = 0;
            m.pending.clear();
        }
        Step step = m.steps.get(m.next);
        Matcher hit = step.regexp().matcher(line);
        if (!hit.find()) {
            if (m.next > 0) { // the sequence broke: start again, this line may begin a new one
                m.next = 0;
                m.pending.clear();
                return match(m, line);
            }
            return null;
        }
        Map<String, String> values = m.next == 0 ? new LinkedHashMap<>() : new LinkedHashMap<>(m.pending);
        collect(step, hit, values);
        if (m.next < last) {
            m.pending.clear();
            m.pending.putAll(values);
            m.next++;
            return null;
        }
        if (!step.loop()) {
            m.next = 0;
            m.pending.clear();
        } else {
            // keep what the earlier patterns found for the next lines of the loop
            Map<String, String> kept = new LinkedHashMap<>(values);
            for (String k : List.of("message", "line", "column", "severity", "code")) {
                if (groupOf(step, k) > 0) kept.remove(k);
            }
            m.pending.clear();
            m.pending.putAll(kept);
        }
        return problem(m, values);
    }

    private static int groupOf(Step s, String what) {
        return switch (what) {
            case "file" -> s.file();
            case "line" -> s.line();
            case "column" -> s.column();
            case "severity" -> s.severity();
            case "message" -> s.message();
            default -> s.code();
        };
    }

    private static void collect(Step s, Matcher hit, Map<String, String> values) {
        for (String k : List.of("file", "line", "column", "severity", "message", "code")) {
            int g = groupOf(s, k);
            if (g > 0 && g <= hit.groupCount() && hit.group(g) != null) values.put(k, hit.group(g));
        }
    }

    private static Problem problem(Matcher1 m, Map<String, String> v) {
        String message = v.get("message");
        if (message == null || message.isBlank()) return null;
        String severity = v.getOrDefault("severity", m.defaultSeverity);
        severity = severity == null ? "error" : severity.strip().toLowerCase(Locale.ROOT);
        if (severity.startsWith("warn")) severity = "warning";
        else if (severity.startsWith("note") || severity.equals("info")) severity = "notice";
        else severity = "error";
        return new Problem(
                severity, message, v.get("file"), integer(v.get("line")), integer(v.get("column")), v.get("code"));
    }

    private static Integer integer(String s) {
        if (s == null) return null;
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
