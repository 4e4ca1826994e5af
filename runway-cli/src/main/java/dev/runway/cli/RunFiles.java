package dev.runway.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Json;
import dev.runway.protocol.VariableView;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What `runway run` reads besides the workflow: --env/--env-file, --var/--var-file and the --eventpath payload. */
final class RunFiles {
    /** The largest event payload read (GitHub's webhook payloads are capped at 25 MB; real ones are far smaller). */
    static final long MAX_PAYLOAD_BYTES = 4L << 20;

    /** The step environment: the file's entries, then the flags (which win). */
    static Map<String, String> env(Path file, Map<String, String> flags) {
        return merged("--env-file", "--env", file, flags, "environment variable", "GITHUB_", "RUNWAY_");
    }

    /** The run's vars: the file's entries, then the flags (which win). */
    static Map<String, String> vars(Path file, Map<String, String> flags) {
        return merged("--var-file", "--var", file, flags, "variable", "GITHUB_");
    }

    private static Map<String, String> merged(
            String fileOption,
            String flagOption,
            Path file,
            Map<String, String> flags,
            String kind,
            String... reserved) {
        Map<String, String> out = new LinkedHashMap<>();
        if (file != null) {
            Map<String, String> read = DotEnv.read(fileOption, file);
            // names were checked for form by the parser; the reserved prefixes are checked here, with the file
            read.keySet().forEach(n -> reserved(n, fileOption + " " + file, kind, reserved));
            out.putAll(read);
        }
        flags.forEach((k, v) -> {
            String name = k.strip();
            if (!DotEnv.NAME.matcher(name).matches())
                throw new CliException(flagOption + ": '" + name + "' is not a valid " + kind + " name (letters,"
                        + " digits and _, not starting with a digit)");
            reserved(name, flagOption, kind, reserved);
            out.put(name, v);
        });
        return out;
    }

    private static void reserved(String name, String where, String kind, String... prefixes) {
        for (String p : prefixes)
            if (name.toUpperCase(Locale.ROOT).startsWith(p))
                throw new CliException(where + ": " + kind + " names must not start with " + p + " ('" + name
                        + "'; the runner sets those itself)");
    }

    /** The payload file: one JSON object; errors name the file, line and column. */
    static Map<String, Object> payload(Path file) {
        String text;
        try {
            if (Files.isDirectory(file)) throw new CliException("--eventpath: " + file + " is a directory");
            if (Files.size(file) > MAX_PAYLOAD_BYTES)
                throw new CliException(
                        "--eventpath: " + file + " is larger than " + (MAX_PAYLOAD_BYTES >> 20) + " MiB");
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException("--eventpath: no such file " + file);
        } catch (MalformedInputException e) {
            throw new CliException("--eventpath: " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CliException("--eventpath: cannot read " + file + ": " + e.getMessage());
        }
        if (text.isBlank())
            throw new CliException("--eventpath: " + file + " is empty; expected a JSON object such as"
                    + " {\"ref\": \"refs/heads/main\"}");
        Object parsed;
        try {
            parsed = Json.lenient()
                    .readerFor(Object.class)
                    .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readValue(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new CliException(
                    (at == null ? file + ": " : file + ":" + at.getLineNr() + ":" + at.getColumnNr() + ": ")
                            + "not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof Map<?, ?>))
            throw new CliException("--eventpath: " + file + " must hold a JSON object (the event payload), not "
                    + (parsed instanceof java.util.List<?> ? "an array" : "a single value"));
        return Json.lenient().convertValue(parsed, new TypeReference<Map<String, Object>>() {});
    }

    /** The vars a run was given, set in the local store until closed; then what was there before is back. */
    interface VarsSet extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Sets {@code vars} as variables of every repository in the local control plane (a run takes its vars when it
     * starts); closing puts back the values they had, or removes them, so the next run has only its own.
     */
    static VarsSet setVars(ApiClient api, Map<String, String> vars) {
        if (vars.isEmpty()) return () -> {};
        Map<String, String> before = new LinkedHashMap<>();
        for (VariableView v :
                api.get(ApiPaths.VARIABLES, VariableView.VariableList.class).variables())
            if (v.repo() == null) before.put(v.name(), v.value());
        Duration t = Duration.ofSeconds(30);
        vars.forEach((name, value) -> api.send(
                "PUT", Scoped.path(ApiPaths.VARIABLE, "variable", name, null), new VariableView.SetRequest(value), t));
        return () -> vars.keySet().forEach(name -> {
            String path = Scoped.path(ApiPaths.VARIABLE, "variable", name, null);
            if (before.containsKey(name)) api.send("PUT", path, new VariableView.SetRequest(before.get(name)), t);
            else api.send("DELETE", path, null, t);
        });
    }

    private RunFiles() {}
}
