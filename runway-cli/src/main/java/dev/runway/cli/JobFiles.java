package dev.runway.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Job files for `runway submit`: YAML (or JSON, which is YAML) with the job spec's fields, in kebab-case
 * ({@code timeout-seconds}) or camelCase. Errors are reported as {@code FILE:line:column: problem}.
 */
final class JobFiles {
    /** The file's shape; kebab-case keys, mapped to the wire spec. */
    record FileJob(
            String name,
            List<String> labels,
            Map<String, String> env,
            List<FileStep> steps,
            Integer timeoutSeconds,
            Integer maxAttempts) {}

    record FileStep(
            String name,
            String run,
            Map<String, String> env,
            String workingDirectory,
            Integer timeoutSeconds,
            String shell) {}

    private static final ObjectMapper KEBAB = mapper(PropertyNamingStrategies.KEBAB_CASE);
    private static final ObjectMapper CAMEL = mapper(PropertyNamingStrategies.LOWER_CAMEL_CASE);

    private static ObjectMapper mapper(com.fasterxml.jackson.databind.PropertyNamingStrategy naming) {
        return JsonMapper.builder(new YAMLFactory())
                .propertyNamingStrategy(naming)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    static JobSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(file + ": no such file");
        } catch (IOException e) {
            throw new CliException(file + ": cannot read: " + e.getMessage());
        }
        // camelCase keys (the JSON API's spelling) are accepted too
        boolean camel =
                text.contains("timeoutSeconds") || text.contains("workingDirectory") || text.contains("maxAttempts");
        FileJob f;
        try {
            f = (camel ? CAMEL : KEBAB).readValue(text, FileJob.class);
        } catch (UnrecognizedPropertyException e) {
            throw new CliException(keyLocation(file, text, e.getPropertyName(), e.getLocation()) + "unknown key '"
                    + e.getPropertyName() + "' (known: "
                    + String.join(
                            ", ",
                            e.getKnownPropertyIds().stream()
                                    .map(Object::toString)
                                    .sorted()
                                    .toList()) + ")");
        } catch (JsonMappingException e) {
            if (yamlError(e) != null) throw new CliException(file + ":" + yamlError(e));
            throw new CliException(where(file, e.getLocation())
                    + e.getOriginalMessage()
                            .replaceAll("`java\\.lang\\.(\\w+)`", "$1")
                            .replaceAll("`[\\w.$]+\\$(\\w+)`", "$1"));
        } catch (JsonProcessingException e) {
            if (yamlError(e) != null) throw new CliException(file + ":" + yamlError(e));
            throw new CliException(where(file, e.getLocation()) + "invalid YAML: " + e.getOriginalMessage());
        }
        if (f == null) throw new CliException(file + ": empty job file; expected name and steps");
        if (f.name() == null || f.name().isBlank()) throw new CliException(file + ": 'name' is required");
        if (f.steps() == null || f.steps().isEmpty())
            throw new CliException(file + ": 'steps' needs at least one step with 'run'");
        for (int i = 0; i < f.steps().size(); i++) {
            FileStep s = f.steps().get(i);
            if (s == null || s.run() == null || s.run().isBlank())
                throw new CliException(file + ": steps[" + i + "] needs 'run'");
        }
        return new JobSpec(
                f.name(),
                f.labels(),
                f.env(),
                f.steps().stream()
                        .map(s -> new StepSpec(
                                s.name(), s.run(), s.env(), s.workingDirectory(), s.timeoutSeconds(), s.shell()))
                        .toList(),
                f.timeoutSeconds(),
                f.maxAttempts());
    }

    /** The YAML parser reports the position after a key; point at the key itself (searching back from there). */
    private static String keyLocation(Path file, String text, String key, JsonLocation loc) {
        String[] lines = text.split("\n", -1);
        int from = loc == null ? lines.length : Math.min(lines.length, loc.getLineNr());
        java.util.regex.Pattern p =
                java.util.regex.Pattern.compile("^(\\s*(?:-\\s+)?)" + java.util.regex.Pattern.quote(key) + "\\s*:");
        for (int i = from - 1; i >= 0; i--) {
            java.util.regex.Matcher m = p.matcher(lines[i]);
            if (m.find()) return file + ":" + (i + 1) + ":" + (m.group(1).length() + 1) + ": ";
        }
        return where(file, loc);
    }

    /** "line:column: invalid YAML: problem" when the YAML parser itself failed, else null. */
    private static String yamlError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                return (m.getProblemMark().getLine() + 1) + ":"
                        + (m.getProblemMark().getColumn() + 1) + ": invalid YAML: " + m.getProblem()
                        + (m.getContext() == null ? "" : " (" + m.getContext() + ")");
            }
        }
        return null;
    }

    private static String where(Path file, JsonLocation loc) {
        return loc == null ? file + ": " : file + ":" + loc.getLineNr() + ":" + loc.getColumnNr() + ": ";
    }

    private JobFiles() {}
}
