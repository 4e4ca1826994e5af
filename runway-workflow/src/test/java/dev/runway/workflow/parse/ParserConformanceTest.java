package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GitHub's workflow-parser cases (actions/languageservices, MIT): a case that expects errors must be rejected with an
 * error on each expected line; a case that expects none must parse, or name the unsupported feature precisely.
 */
class ParserConformanceTest {
    static final Pattern LINE = Pattern.compile("\\(Line: (\\d+), Col: (\\d+)\\)");

    static Stream<Path> cases() {
        return Resources.files("conformance/workflow-parser", ".yml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void followsGitHub(Path file) throws Exception {
        String[] docs = Resources.read(file).split("(?m)^---\\s*$\\n?");
        String workflow = docs[docs.length - 2];
        JsonNode expected = new ObjectMapper().readTree(docs[docs.length - 1]);
        String name = file.getFileName().toString();
        java.util.regex.Matcher depth =
                java.util.regex.Pattern.compile("(?m)^max-depth:\\s*(\\d+)").matcher(docs.length > 2 ? docs[0] : "");
        WorkflowParser.Result r = depth.find()
                ? WorkflowParser.parse(name, workflow, Integer.parseInt(depth.group(1)))
                : WorkflowParser.parse(name, workflow);
        if (Divergences.reason(name) != null) {
            // all we claim for a listed divergence: it is read without an internal error
            assertThat(r.diagnostics()).noneMatch(d -> d.message().startsWith("internal error"));
            return;
        }
        List<Integer> expectedLines = new ArrayList<>();
        for (JsonNode e : expected.path("errors")) {
            Matcher m = LINE.matcher(e.path("Message").asText());
            if (m.find()) expectedLines.add(Integer.parseInt(m.group(1)));
        }
        if (expected.path("errors").isEmpty()) {
            assertThat(r.errors())
                    .as(r.diagnostics().toString())
                    .allSatisfy(d -> assertThat(d.message()).startsWith("not supported by Runway"));
        } else {
            assertThat(r.errors())
                    .as("expected errors: %s", expected.path("errors"))
                    .isNotEmpty();
            for (int line : expectedLines) {
                assertThat(r.errors())
                        .as("an error on line %d; expected %s; got %s", line, expected.path("errors"), r.diagnostics())
                        .anyMatch(d -> d.line() == line);
            }
        }
    }
}
