package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real workflow files of other projects (see src/test/resources/workflows/README.md): each parses; the only errors
 * allowed are precise "not supported by Runway" messages, never an exception or a complaint about valid YAML.
 */
class RealWorkflowsTest {
    static Stream<Path> files() {
        return Resources.files("workflows", ".yml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void parses(Path file) {
        WorkflowParser.Result r = WorkflowParser.parse(file.getFileName().toString(), Resources.read(file));
        assertThat(r.errors())
                .as(r.diagnostics().toString())
                .allSatisfy(d -> assertThat(d.message()).startsWith("not supported by Runway"));
        if (r.ok()) {
            assertThat(r.workflow().jobs()).isNotEmpty();
            assertThat(r.workflow().jobOrder())
                    .containsExactlyInAnyOrderElementsOf(r.workflow().jobs().keySet());
        }
    }
}
