package dev.runway.agent.output;

import dev.runway.agent.exec.JobEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitHub's file commands: each step gets fresh {@code GITHUB_ENV}, {@code GITHUB_OUTPUT}, {@code GITHUB_PATH},
 * {@code GITHUB_STEP_SUMMARY} and {@code GITHUB_STATE} files; what a step writes to them is read after it and applies to the later steps
 * (environment, PATH) or is reported (outputs, summary). Values use {@code NAME=value} or the multi-line form
 * {@code NAME<<DELIMITER ... DELIMITER}.
 */
public final class FileCommands implements JobEnv {
    /** The files of one step. */
    public record StepFiles(Path env, Path output, Path path, Path summary, Path state) {}

    /** What one step left in its files; {@code state} is what a JavaScript action saved for its later runs. */
    public record Collected(Map<String, String> outputs, String summary, Map<String, String> state) {}

    private final Path dir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> paths = new ArrayList<>(); // newest first, as GitHub prepends

    public FileCommands(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        Files.createDirectories(dir.resolve("tmp"));
    }

    /** The job's directory of step files, RUNNER_TEMP ({@code tmp}) and the event payload ({@code event.json}). */
    public Path dir() {
        return dir;
    }

    /** RUNNER_TEMP: the job's temporary directory. */
    public Path temp() {
        return dir.resolve("tmp");
    }

    public StepFiles prepare(int step) throws IOException {
        // a step may have left a link (or anything else) where the agent's files go: the agent, maybe root, must
        // not write through it into a host file
        Path d = dir.resolve("step-" + step);
        if (Files.isSymbolicLink(d) || (Files.exists(d) && !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)))
            Files.delete(d);
        Files.createDirectories(d);
        return new StepFiles(
                empty(d.resolve("env")),
                empty(d.resolve("output")),
                empty(d.resolve("path")),
                empty(d.resolve("summary")),
                empty(d.resolve("state")));
    }

    /** The environment of the next step: the job's, what earlier steps added, PATH additions and the file paths. */
    public Map<String, String> environment(Map<String, String> base, StepFiles f) {
        Map<String, String> all = new LinkedHashMap<>(base);
        all.putAll(env);
        Map<String, String> e = withPaths(all);
        e.put("GITHUB_ENV", f.env().toString());
        e.put("GITHUB_OUTPUT", f.output().toString());
        e.put("GITHUB_PATH", f.path().toString());
        e.put("GITHUB_STEP_SUMMARY", f.summary().toString());
        e.put("GITHUB_STATE", f.state().toString());
        e.put("RUNNER_TEMP", temp().toString());
        return e;
    }

    /** {@code base} with what earlier steps put on PATH in front of its PATH. */
    public Map<String, String> withPaths(Map<String, String> base) {
        Map<String, String> e = new LinkedHashMap<>(base);
        if (!paths.isEmpty()) {
            String path = e.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            e.put("PATH", String.join(":", paths) + ":" + path);
        }
        return e;
    }

    @Override
    public void setEnv(String name, String value) {
        env.put(name, value);
    }

    @Override
    public void addPath(String dir) {
        paths.add(0, dir);
    }

    /** What earlier steps added to the environment through GITHUB_ENV (part of the {@code env} context). */
    public Map<String, String> addedEnv() {
        return java.util.Collections.unmodifiableMap(env);
    }

    /** Reads what the step wrote; a malformed file is an error that fails the step with its message. */
    public Collected collect(StepFiles f) throws IOException {
        env.putAll(parse(read(f.env(), "GITHUB_ENV"), "GITHUB_ENV"));
        for (String line : read(f.path(), "GITHUB_PATH").split("\n")) {
            if (!line.isBlank()) paths.add(0, line.strip());
        }
        Map<String, String> outputs = parse(read(f.output(), "GITHUB_OUTPUT"), "GITHUB_OUTPUT");
        Map<String, String> state = parse(read(f.state(), "GITHUB_STATE"), "GITHUB_STATE");
        return new Collected(outputs, read(f.summary(), "GITHUB_STEP_SUMMARY"), state);
    }

    /**
     * A step file's text, only while it is still a plain file of the job: a step that replaced it with a link to a
     * host file (or a FIFO) gets an error, not the agent's reading of that file.
     */
    private String read(Path f, String name) throws IOException {
        // a step that removed the file wrote nothing there (GitHub's runner reads only a file that exists)
        if (Files.notExists(f, LinkOption.NOFOLLOW_LINKS)) return "";
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                || !f.toRealPath().startsWith(dir.toRealPath()))
            throw new IOException(name + " is no longer a plain file (the step replaced it with a link or something"
                    + " else); the runner does not read it");
        return Files.readString(f, StandardCharsets.UTF_8);
    }

    static Map<String, String> parse(String content, String file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) continue;
            int heredoc = line.indexOf("<<");
            int eq = line.indexOf('=');
            if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
                String name = line.substring(0, heredoc);
                String delimiter = line.substring(heredoc + 2);
                StringBuilder value = new StringBuilder();
                int j = i + 1;
                while (j < lines.length && !stripCr(lines[j]).equals(delimiter)) {
                    if (j > i + 1) value.append('\n');
                    value.append(stripCr(lines[j]));
                    j++;
                }
                if (j >= lines.length) {
                    throw new IOException(
                            file + ": matching delimiter not found '" + delimiter + "' for '" + name + "'");
                }
                out.put(name, value.toString());
                i = j;
            } else if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            } else {
                throw new IOException(file + ": invalid line '" + line + "' (expected NAME=value or NAME<<DELIMITER)");
            }
        }
        return out;
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static Path empty(Path p) throws IOException {
        Files.deleteIfExists(p); // a link is removed, not followed
        Files.write(p, new byte[0], StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return p;
    }
}
