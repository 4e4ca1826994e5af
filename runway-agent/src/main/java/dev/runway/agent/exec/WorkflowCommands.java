package dev.runway.agent.exec;

import dev.runway.protocol.Annotation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sits between a job's output and its log: applies GitHub's workflow commands written by steps, one per line
 * ({@code ::add-mask::}, {@code ::error::}/{@code ::warning::}/{@code ::notice::} with {@code file}, {@code line},
 * {@code col}, {@code title}, {@code ::group::}/{@code ::endgroup::}, {@code ::stop-commands::}) and replaces every
 * masked value with {@code ***} in everything that reaches the log, its own lines included. Lines pass through
 * byte for byte when there is nothing to do.
 */
final class WorkflowCommands implements Executor.Output {
    /** A line longer than this is written without waiting for its end (and not read as a command). */
    static final int MAX_LINE = 64 * 1024;

    private static final Pattern COMMAND = Pattern.compile("^\\s*::([A-Za-z-]+)(?: ([^:]*))?::(.*)$");

    private final Executor.Output log;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final List<String> masks = new ArrayList<>();
    private final List<Annotation> annotations = new ArrayList<>();
    private String step;
    private String stopToken;

    WorkflowCommands(Executor.Output log) {
        this.log = log;
    }

    /** Names the step whose output follows (for annotations). */
    synchronized void step(String name) {
        flush();
        step = name;
        stopToken = null;
    }

    synchronized List<Annotation> annotations() {
        return List.copyOf(annotations);
    }

    /** Masks {@code value} (and each of its lines) from now on. */
    synchronized void mask(String value) {
        if (value == null || value.isBlank()) return;
        for (String v : (value + "\n" + value.strip()).split("\\R")) {
            if (!v.isBlank() && !masks.contains(v)) masks.add(v);
        }
        masks.sort(Comparator.comparingInt(String::length).reversed()); // longest first: no partial leftovers
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                partial.write(b, start, i + 1 - start);
                line(partial.toByteArray());
                partial.reset();
                start = i + 1;
            }
        }
        partial.write(b, start, off + len - start);
        if (partial.size() > MAX_LINE) {
            emit(partial.toByteArray());
            partial.reset();
        }
    }

    /** Writes a pending partial line (the step ended without a newline). */
    synchronized void flush() {
        if (partial.size() > 0) {
            line(partial.toByteArray());
            partial.reset();
        }
    }

    private void line(byte[] raw) {
        if (raw.length < 4 || !startsCommand(raw)) {
            emit(raw);
            return;
        }
        String text = new String(raw, StandardCharsets.UTF_8).replaceAll("\\r?\\n$", "");
        Matcher m = COMMAND.matcher(text);
        if (!m.matches()) {
            emit(raw);
            return;
        }
        String name = m.group(1);
        Map<String, String> props = properties(m.group(2));
        String message = unescape(m.group(3), false);
        if (stopToken != null) {
            if (name.equals(stopToken)) stopToken = null;
            else emit(raw);
            return;
        }
        switch (name) {
            case "add-mask" -> mask(message);
            case "error", "warning", "notice" -> {
                annotations.add(new Annotation(
                        name,
                        masked(message),
                        step,
                        masked(props.get("title")),
                        props.get("file"),
                        integer(props.get("line")),
                        integer(props.get("col"))));
                String where = props.get("file") == null
                        ? ""
                        : " (" + props.get("file") + (props.get("line") == null ? "" : ":" + props.get("line"))
                                + (props.get("col") == null ? "" : ":" + props.get("col")) + ")";
                emitText(Character.toUpperCase(name.charAt(0)) + name.substring(1) + where + ": " + message);
            }
            case "group" -> emitText("\u25b8 " + message);
            case "endgroup" -> {}
            case "debug" -> {}
            case "stop-commands" -> stopToken = message.isBlank() ? null : message;
            case "set-output", "save-state", "set-env", "add-path" ->
                emitText("Warning: the '" + name + "' command is not supported (GitHub disabled it too); use the"
                        + " GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV or GITHUB_PATH file");
            default -> emit(raw);
        }
    }

    private static boolean startsCommand(byte[] raw) {
        int i = 0;
        while (i < raw.length && (raw[i] == ' ' || raw[i] == '\t')) i++;
        return i + 1 < raw.length && raw[i] == ':' && raw[i + 1] == ':';
    }

    private void emitText(String s) {
        byte[] b = (masked(s) + "\n").getBytes(StandardCharsets.UTF_8);
        log.write(b, 0, b.length);
    }

    private void emit(byte[] raw) {
        if (masks.isEmpty()) {
            log.write(raw, 0, raw.length);
            return;
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        String m = masked(s);
        if (m.equals(s)) {
            log.write(raw, 0, raw.length); // untouched bytes, even if they were not valid UTF-8
        } else {
            byte[] b = m.getBytes(StandardCharsets.UTF_8);
            log.write(b, 0, b.length);
        }
    }

    private String masked(String s) {
        if (s == null || masks.isEmpty()) return s;
        for (String m : masks) s = s.replace(m, "***");
        return s;
    }

    private static Map<String, String> properties(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s == null || s.isBlank()) return out;
        for (String kv : s.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) out.put(kv.substring(0, eq).strip(), unescape(kv.substring(eq + 1), true));
        }
        return out;
    }

    /** GitHub's escaping: %25 %0D %0A in messages, and %3A %2C too in properties. */
    static String unescape(String s, boolean property) {
        String r = s.replace("%0D", "\r").replace("%0A", "\n");
        if (property) r = r.replace("%3A", ":").replace("%2C", ",");
        return r.replace("%25", "%");
    }

    private static Integer integer(String s) {
        if (s == null) return null;
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
