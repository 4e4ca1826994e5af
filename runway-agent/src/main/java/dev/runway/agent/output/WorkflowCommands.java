package dev.runway.agent.output;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobEnv;
import dev.runway.protocol.Annotation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sits between a job's output and its log: applies GitHub's workflow commands written by steps, one per line
 * ({@code ::add-mask::}, {@code ::error::}/{@code ::warning::}/{@code ::notice::} with {@code file}, {@code line},
 * {@code col}, {@code title}, {@code ::group::}/{@code ::endgroup::}, {@code ::stop-commands::}) and replaces every
 * masked value with {@code ***} in everything that reaches the log, its own lines included (see {@link
 * SecretMasker}). Lines pass through byte for byte when there is nothing to do. Public for the benchmarks.
 */
public final class WorkflowCommands implements Executor.Output {
    /**
     * A line longer than this is written without waiting for its end (and not read as a command), all but its last
     * {@link SecretMasker#holdBack()} bytes, so that a secret straddling the cut is still seen whole.
     */
    static final int MAX_LINE = 64 * 1024;

    private static final Pattern COMMAND = Pattern.compile("^\\s*::([^\\s:]+)(?: ([^:]*))?::(.*)$");
    /** The older form GitHub's runner still reads: {@code ##[name key=value;key=value]message}. */
    private static final Pattern LEGACY = Pattern.compile("^\\s*##\\[([^\\s\\]]+)(?: ([^\\]]*))?\\](.*)$");

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    /** Problem matchers stop adding annotations after this many in a job (the control plane keeps 100). */
    static final int MAX_MATCHED = 100;

    private final Executor.Output log;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final SecretMasker masker = new SecretMasker();
    private final Set<String> tooShort = new HashSet<>();
    private final List<Annotation> annotations = new ArrayList<>();
    private final Map<String, String> commandOutputs = new LinkedHashMap<>();
    private final Map<String, String> commandState = new LinkedHashMap<>();
    private final Set<String> deprecationShown = new HashSet<>();
    /** Whether the running step opted into {@code ::set-env::}/{@code ::add-path::} (ACTIONS_ALLOW_UNSECURE_COMMANDS). */
    private boolean unsecureAllowed;

    private final Map<String, String> commandEnv = new LinkedHashMap<>();
    private final List<String> commandPaths = new ArrayList<>();
    private final ProblemMatchers matchers = new ProblemMatchers();
    private int matched;
    private java.nio.file.Path workspace;
    private String step;
    private String stopToken;
    /** The pending bytes continue a line whose beginning was already written: they are not a command. */
    private boolean continuation;

    public WorkflowCommands(Executor.Output log) {
        this.log = log;
    }

    /** Where relative {@code add-matcher} paths start, and what matched file paths are made relative to. */
    public synchronized void workspace(java.nio.file.Path dir) {
        workspace = dir;
    }

    /** Names the step whose output follows (for annotations). */
    public synchronized void step(String name) {
        flush();
        step = name;
        stopToken = null;
    }

    /** What the current step set with {@code ::set-output::} since the last call; cleared. */
    public synchronized Map<String, String> takeOutputs() {
        flush();
        Map<String, String> m = new LinkedHashMap<>(commandOutputs);
        commandOutputs.clear();
        return m;
    }

    /** Whether the step about to run may use {@code ::set-env::} and {@code ::add-path::}, as GitHub allows. */
    public synchronized void unsecureCommands(boolean allowed) {
        unsecureAllowed = allowed;
        commandEnv.clear();
        commandPaths.clear();
    }

    /** Applies what the current step set with the opted-into {@code ::set-env::}/{@code ::add-path::}; cleared. */
    public synchronized void applyUnsecureCommands(JobEnv to) {
        flush();
        commandEnv.forEach(to::setEnv);
        commandPaths.forEach(to::addPath);
        commandEnv.clear();
        commandPaths.clear();
    }

    /** What the current step saved with {@code ::save-state::} since the last call; cleared. */
    public synchronized Map<String, String> takeState() {
        flush();
        Map<String, String> m = new LinkedHashMap<>(commandState);
        commandState.clear();
        return m;
    }

    public synchronized List<Annotation> annotations() {
        return List.copyOf(annotations);
    }

    /**
     * Masks {@code value} (each of its lines and its encodings) from now on; false, with a warning in the log once
     * per value (never the value itself), when it is too short to be masked.
     */
    public synchronized boolean mask(String value) {
        if (masker.add(value)) return true;
        if (value != null && !value.isBlank() && tooShort.add(value))
            emitText("[runway] warning: a secret value shorter than " + SecretMasker.MIN_LENGTH
                    + " characters is not masked");
        return false;
    }

    /**
     * {@code s} with every secret value masked, for what leaves the runner outside the log (step names, reasons);
     * null stays null.
     */
    public synchronized String hide(String s) {
        return masker.mask(s);
    }

    /** Whether {@code s} holds a secret value (in any masked form) or a Runway token. */
    synchronized boolean holdsSecret(String s) {
        if (s == null || s.isEmpty()) return false;
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return masker.find(b, 0, b.length).length > 0;
    }

    /**
     * {@code outputs} without those whose name or value holds a secret, each dropped with a warning in the log and an
     * annotation, as GitHub skips such a job output ("Skip output 'x' since it may contain secret"). {@code whose}
     * says whose outputs they are ("job", "step 'build'"); {@code after} what becomes of the dropped ones.
     */
    public synchronized Map<String, String> withoutSecrets(Map<String, String> outputs, String whose, String after) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            if (!holdsSecret(e.getKey()) && !holdsSecret(e.getValue())) {
                kept.put(e.getKey(), e.getValue());
                continue;
            }
            String message =
                    "skip " + whose + " output '" + masker.mask(e.getKey()) + "' since it may contain a secret" + after;
            emitText("Warning: " + message);
            annotations.add(new Annotation("warning", message, step, null, null, null, null));
        }
        return kept;
    }

    /** A scan for registered secret values in bytes that never reach the log (artifacts). */
    public synchronized SecretMasker.Scan secretScan() {
        return masker.scan();
    }

    /** Adds an annotation of the runner's own to the current step. */
    public synchronized void annotate(String level, String message, String file) {
        annotations.add(new Annotation(level, masker.mask(message), step, null, file, null, null));
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                if (partial.size() == 0) {
                    line(b, start, i + 1 - start); // the whole line is in this write: no copy
                } else {
                    partial.write(b, start, i + 1 - start);
                    byte[] l = partial.toByteArray();
                    partial.reset();
                    line(l, 0, l.length);
                }
                start = i + 1;
            }
        }
        partial.write(b, start, off + len - start);
        if (partial.size() > MAX_LINE) emitLongLine();
    }

    /**
     * Writes most of a partial line that grew past {@link #MAX_LINE}. A match that ends in bytes still to come starts
     * within the last {@link SecretMasker#holdBack()} bytes, so those are kept; so is a match already seen that
     * reaches into them, from its start: the cut never splits a secret.
     */
    private void emitLongLine() {
        byte[] buf = partial.toByteArray();
        int[] spans = masker.find(buf, 0, buf.length);
        int cut = buf.length - masker.holdBack();
        for (int i = 0; i < spans.length; i += 2) {
            if (spans[i] < cut && spans[i + 1] > cut) cut = spans[i];
        }
        if (cut <= 0) {
            // one chain of overlapping matches fills the buffer: keep it, up to a bound on memory
            if (buf.length < 4 * MAX_LINE) return;
            cut = buf.length;
        }
        if (spans.length == 0 || spans[0] >= cut) log.write(buf, 0, cut);
        else {
            masker.counted(spans, cut);
            byte[] m = SecretMasker.replace(buf, 0, buf.length, spans, cut);
            log.write(m, 0, m.length);
        }
        partial.reset();
        partial.write(buf, cut, buf.length - cut);
        continuation = true;
    }

    /** How many secret values were masked in this job's log and annotations. */
    public long masked() {
        return masker.masked();
    }

    /** Writes a pending partial line (the step ended without a newline). */
    public synchronized void flush() {
        if (partial.size() > 0) {
            byte[] l = partial.toByteArray();
            partial.reset();
            line(l, 0, l.length);
        }
    }

    private void line(byte[] b, int off, int len) {
        boolean rest = continuation;
        continuation = false;
        if (rest || len < 4 || !startsCommand(b, off, len)) {
            emit(b, off, len);
            if (!rest && !matchers.isEmpty()) problems(b, off, len);
            return;
        }
        byte[] raw = Arrays.copyOfRange(b, off, off + len);
        String text = new String(raw, StandardCharsets.UTF_8).replaceAll("\\r?\\n$", "");
        Matcher m = COMMAND.matcher(text);
        boolean legacy = false;
        if (!m.matches()) {
            m = LEGACY.matcher(text);
            legacy = true;
            if (!m.matches()) {
                emit(raw);
                if (!matchers.isEmpty()) problems(b, off, len);
                return;
            }
        }
        String given = m.group(1); // a stop token is any word (often a random one with digits)
        String name = given.toLowerCase(java.util.Locale.ROOT); // the runner's command table ignores case
        Map<String, String> props = properties(m.group(2), legacy ? ";" : ",");
        String message = unescape(m.group(3), false);
        if (stopToken != null) {
            if (given.equals(stopToken)) stopToken = null;
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
                        masked(props.get("file")),
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
            case "set-output", "save-state" -> {
                // deprecated but still honoured by GitHub, and used by actions built with an old @actions/core
                String key = props.get("name");
                if (key == null || key.isBlank()) {
                    emitText("Warning: '" + name + "' needs a name (::" + name + " name=NAME::VALUE)");
                } else {
                    (name.equals("set-output") ? commandOutputs : commandState).put(key, message);
                    if (deprecationShown.add(name))
                        emitText("Warning: the `" + name + "` command is deprecated; use the "
                                + (name.equals("set-output") ? "GITHUB_OUTPUT" : "GITHUB_STATE") + " file");
                }
            }
            case "add-matcher" -> addMatcher(message.strip());
            case "remove-matcher" -> {
                String owner = props.get("owner");
                if (owner == null || !matchers.remove(owner))
                    emitText("Warning: remove-matcher: no problem matcher with owner '" + owner + "'");
            }
            case "set-env", "add-path" -> unsecure(name, props.get("name"), message);
            default -> emit(raw);
        }
    }

    /** GitHub's disabled commands: honoured (with its warning) only where the step opted in. */
    private void unsecure(String name, String key, String value) {
        String file = name.equals("set-env") ? "GITHUB_ENV" : "GITHUB_PATH";
        if (!unsecureAllowed) {
            emitText("Warning: the `" + name + "` command is disabled; use the " + file + " file, or opt into"
                    + " unsecure command execution by setting ACTIONS_ALLOW_UNSECURE_COMMANDS to true");
            return;
        }
        if (name.equals("set-env") && (key == null || key.isBlank())) {
            emitText("Warning: 'set-env' needs a name (::set-env name=NAME::VALUE)");
            return;
        }
        if (name.equals("set-env")) commandEnv.put(key, value);
        else commandPaths.add(value.strip());
        emitText(
                "Warning: the `" + name + "` command is deprecated and will be disabled soon; use the " + file
                        + " file. See https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/");
    }

    private static boolean startsCommand(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == '\t')) i++;
        return i + 1 < end && ((b[i] == ':' && b[i + 1] == ':') || (b[i] == '#' && b[i + 1] == '#'));
    }

    private void addMatcher(String file) {
        if (file.isEmpty()) {
            emitText("Warning: add-matcher needs the path of a problem matcher file");
            return;
        }
        java.nio.file.Path p = java.nio.file.Path.of(file);
        if (!p.isAbsolute() && workspace != null) p = workspace.resolve(p);
        try {
            matchers.add(p);
        } catch (java.io.IOException | RuntimeException e) {
            emitText("Warning: add-matcher " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }

    /** Runs the problem matchers over a line of output; what they find becomes annotations. */
    private void problems(byte[] b, int off, int len) {
        String line =
                ANSI.matcher(new String(b, off, len, StandardCharsets.UTF_8)).replaceAll("");
        if (line.endsWith("\n")) line = line.substring(0, line.length() - 1);
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        for (ProblemMatchers.Problem p : matchers.match(line)) {
            if (matched >= MAX_MATCHED) return;
            matched++;
            String file = p.file();
            if (file != null && workspace != null) {
                java.nio.file.Path f = java.nio.file.Path.of(file);
                if (f.isAbsolute() && f.normalize().startsWith(workspace))
                    file = workspace.relativize(f.normalize()).toString();
            }
            String message = p.code() == null ? p.message() : p.message() + " (" + p.code() + ")";
            annotations.add(
                    new Annotation(p.severity(), masked(message), step, null, masked(file), p.line(), p.column()));
        }
    }

    private void emitText(String s) {
        byte[] b = (masked(s) + "\n").getBytes(StandardCharsets.UTF_8);
        log.write(b, 0, b.length);
    }

    private void emit(byte[] raw) {
        emit(raw, 0, raw.length);
    }

    private void emit(byte[] b, int off, int len) {
        byte[] m = masker.mask(b, off, len);
        if (m == null) log.write(b, off, len); // untouched bytes, even if they are not valid UTF-8
        else log.write(m, 0, m.length);
    }

    private String masked(String s) {
        return masker.mask(s);
    }

    private static Map<String, String> properties(String s, String separator) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s == null || s.isBlank()) return out;
        for (String kv : s.split(separator)) {
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
