package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GitHub's workflow-parser cases (actions/languageservices, MIT): a case that expects errors must be rejected with an
 * error on each expected line; a case that expects none must parse, or name the unsupported feature precisely. Every
 * {@code .yml} file of the directory is a case, so new ones are picked up without editing a list. A case runs with
 * GitHub's parse options ({@code ParseOptions} in actions/runner) unless its header sets one: anchors off, 50 levels
 * of nesting, 10 MiB of parsed size, and the file named {@code .github/workflows/<case>} as GitHub's harness names
 * it (the name counts in the parsed size).
 */
class ParserConformanceTest {
    static final Pattern LINE = Pattern.compile("\\(Line: (\\d+), Col: (\\d+)\\)");
    /** GitHub's messages start with the file's name when they have no line: ".github/workflows/x.yml: ...". */
    static final Pattern FILE_PREFIX = Pattern.compile("^\\.github/workflows/[^:]+: ");

    static Stream<Path> cases() {
        return Resources.files("conformance/workflow-parser", ".yml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void followsGitHub(Path file) throws Exception {
        // a case is [header ---] workflow [--- reference --- callee]... --- expected
        String[] docs = Resources.read(file).split("(?m)^---\\s*$\\n?");
        int at = docs.length > 2 && isHeader(docs[0]) ? 1 : 0;
        String header = at == 1 ? docs[0] : "";
        String workflow = docs[at];
        java.util.Map<String, String> callees = new java.util.HashMap<>();
        for (int i = at + 1; i + 1 < docs.length - 1; i += 2) callees.put(docs[i].strip(), docs[i + 1]);
        JsonNode expected = new ObjectMapper().readTree(docs[docs.length - 1]);
        String name = file.getFileName().toString();
        WorkflowParser.Options options = WorkflowParser.Options.DEFAULT
                .withMaxDepth(headerInt(header, "max-depth", WorkflowParser.DEFAULT_MAX_DEPTH))
                // GitHub's max-file-size is in characters, Runway's in UTF-8 bytes: the same for the ASCII cases
                .withSizes(
                        headerInt(header, "max-file-size", dev.runway.workflow.Limits.MAX_FILE_BYTES),
                        headerInt(header, "max-result-size", (int) dev.runway.workflow.Limits.MAX_PARSED_BYTES))
                .withAnchors(headerString(header, "allow-anchors", "false").equals("true"))
                .withLimits(
                        headerInt(
                                header,
                                "max-nested-reusable-workflows-depth",
                                dev.runway.workflow.Limits.MAX_CALL_NESTING),
                        headerInt(header, "max-job-limit", dev.runway.workflow.Limits.MAX_JOBS_PER_RUN),
                        headerString(header, "permissions-policy", "Write"));
        if (!callees.isEmpty()) options = options.withCallees(callees::get);
        WorkflowParser.Result r = WorkflowParser.parse(".github/workflows/" + name, workflow, options);
        if (Divergences.reason(name) != null) {
            // all we claim for a listed divergence: it is read without an internal error
            assertThat(r.diagnostics()).noneMatch(d -> d.message().startsWith("internal error"));
            return;
        }
        List<Integer> expectedLines = new ArrayList<>();
        List<String> expectedWithoutLine = new ArrayList<>();
        for (JsonNode e : expected.path("errors")) {
            Matcher m = LINE.matcher(e.path("Message").asText());
            if (m.find()) expectedLines.add(Integer.parseInt(m.group(1)));
            else
                expectedWithoutLine.add(
                        FILE_PREFIX.matcher(e.path("Message").asText()).replaceFirst(""));
        }
        if (expected.path("errors").isEmpty()) {
            assertThat(r.errors())
                    .as(r.diagnostics().toString())
                    .allSatisfy(d -> assertThat(d.message()).startsWith("not supported by Runway"));
            if (r.workflow() != null) sameMatrices(expected, r.workflow());
        } else {
            assertThat(r.errors())
                    .as("expected errors: %s", expected.path("errors"))
                    .isNotEmpty();
            // an error GitHub reports without a place (a limit, a YAML rule) must be the same error: its words
            for (String message : expectedWithoutLine) {
                assertThat(r.errors())
                        .as("an error saying '%s'; got %s", message, r.diagnostics())
                        .anyMatch(d -> d.message().toLowerCase(Locale.ROOT).contains(message.toLowerCase(Locale.ROOT)));
            }
            for (int line : expectedLines) {
                assertThat(r.errors())
                        .as("an error on line %d; expected %s; got %s", line, expected.path("errors"), r.diagnostics())
                        .anyMatch(d -> d.line() == line);
            }
        }
    }

    /**
     * The values a case's template gives a literal matrix are the ones Runway expands it to: its single vectors
     * (their product, first key outermost) or its include entries. This is where GitHub's cases check how YAML is
     * typed ({@code True}, {@code ~}, {@code 0x1F}, {@code 12_345}, block scalars): the rest of the template Runway
     * does not produce, so the comparison is limited to the matrix, which it does.
     */
    static void sameMatrices(JsonNode expected, dev.runway.workflow.model.Workflow w) {
        ObjectMapper json = new ObjectMapper();
        for (JsonNode job : expected.path("jobs")) {
            JsonNode matrix = null;
            for (JsonNode e : job.path("strategy").path("map"))
                if (e.path("Key").asText().equals("matrix")) matrix = e.path("Value");
            dev.runway.workflow.model.Job j = w.jobs().get(job.path("id").asText());
            if (matrix == null
                    || j == null
                    || j.strategy() == null
                    || j.strategy().combinations() == null) continue;
            List<JsonNode> combos = literalCombinations(json, matrix);
            if (combos == null) continue;
            JsonNode actual = json.valueToTree(j.strategy().combinations());
            assertThat(same(json.valueToTree(combos), actual))
                    .as("matrix of job %s: expected %s, got %s", job.path("id").asText(), combos, actual)
                    .isTrue();
        }
    }

    /** The combinations of a template matrix of vectors only, or of include entries only; null for others. */
    static @org.jspecify.annotations.Nullable List<JsonNode> literalCombinations(ObjectMapper json, JsonNode matrix) {
        if (matrix.path("type").asInt() != 2) return null;
        List<JsonNode> combos = new ArrayList<>(List.of(json.createObjectNode()));
        boolean includeOnly = false;
        for (JsonNode e : matrix.path("map")) {
            String key = e.path("Key").asText();
            JsonNode seq = e.path("Value").path("seq");
            if (e.path("Value").path("type").asInt() != 1 || key.equals("exclude")) return null;
            if (key.equals("include")) {
                if (matrix.path("map").size() != 1) return null;
                includeOnly = true;
                combos.clear();
                for (JsonNode entry : seq) {
                    var combo = json.createObjectNode();
                    for (JsonNode kv : entry.path("map"))
                        combo.set(kv.path("Key").asText(), kv.path("Value"));
                    combos.add(combo);
                }
                continue;
            }
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode c : combos)
                for (JsonNode v : seq) {
                    if (v.isObject()) return null; // an expression or a collection: not a literal
                    next.add(((com.fasterxml.jackson.databind.node.ObjectNode) c.deepCopy()).set(key, v));
                }
            combos = next;
        }
        return includeOnly || !matrix.path("map").isEmpty() ? combos : null;
    }

    /** JSON equality with numbers compared by value (1 and 1.0 and 1L are the same number). */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.doubleValue() == b.doubleValue();
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            for (var it = a.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!b.has(f) || !same(a.get(f), b.get(f))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    /** The first document is the case's settings, not a workflow. */
    static boolean isHeader(String doc) {
        return !Pattern.compile("(?m)^jobs:").matcher(doc).find();
    }

    static int headerInt(String header, String key, int otherwise) {
        Matcher m = Pattern.compile("(?m)^" + key + ":\\s*(\\d+)").matcher(header);
        return m.find() ? Integer.parseInt(m.group(1)) : otherwise;
    }

    static String headerString(String header, String key, String otherwise) {
        Matcher m = Pattern.compile("(?m)^" + key + ":\\s*(\\S+)").matcher(header);
        return m.find() ? m.group(1) : otherwise;
    }
}
