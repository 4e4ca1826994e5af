package dev.runway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import dev.runway.scaler.config.YamlTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Job files for `runway submit`: YAML (or JSON, which is YAML) with the job spec's fields, in kebab-case
 * ({@code timeout-seconds}) or camelCase. Errors are reported as {@code FILE:line:column: problem}. The YAML is read
 * into a tree with positions ({@link YamlTree}, YAML 1.2) and bound to the file's shape from there.
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
        return JsonMapper.builder()
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
        YamlTree yaml;
        try {
            yaml = YamlTree.parse(text);
        } catch (YamlTree.YamlException e) {
            throw new CliException(file + ":" + e.getMessage());
        }
        FileJob f;
        try {
            f = (camel ? CAMEL : KEBAB).treeToValue(yaml.tree(), FileJob.class);
        } catch (UnrecognizedPropertyException e) {
            throw new CliException(file + ":" + yaml.position(path(e), true) + ": unknown key '"
                    + e.getPropertyName() + "' (known: "
                    + String.join(
                            ", ",
                            e.getKnownPropertyIds().stream()
                                    .map(Object::toString)
                                    .sorted()
                                    .toList()) + ")");
        } catch (JsonMappingException e) {
            throw new CliException(file + ":" + yaml.position(path(e), false) + ": "
                    + e.getOriginalMessage()
                            .replaceAll("`java\\.lang\\.(\\w+)`", "$1")
                            .replaceAll("`[\\w.$]+\\$(\\w+)`", "$1"));
        } catch (JsonProcessingException e) {
            throw new CliException(file + ": " + e.getOriginalMessage());
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

    /** The keys and indices from the top of the file to the value Jackson could not bind. */
    private static List<String> path(JsonMappingException e) {
        List<String> out = new ArrayList<>();
        for (JsonMappingException.Reference r : e.getPath())
            out.add(r.getFieldName() != null ? r.getFieldName() : Integer.toString(r.getIndex()));
        return out;
    }

    private JobFiles() {}
}
