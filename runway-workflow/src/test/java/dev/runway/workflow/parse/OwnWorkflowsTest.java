package dev.runway.workflow.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runway's own repository as a fresh clone has it: its workflows parse without an error or a warning, and every
 * workflow file README.md's examples name in this repository exists, so the examples work as written (a reference
 * into another repository, {@code owner/name/.github/workflows/x.yml@ref}, is not one of them).
 */
class OwnWorkflowsTest {
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(".github/workflows"))) p = p.getParent();
        assertThat(p)
                .as("the repository root (with .github/workflows) above "
                        + Path.of("").toAbsolutePath())
                .isNotNull();
        return p;
    }

    @Test
    void theRepositorysOwnWorkflowsParseCleanly() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(root().resolve(".github/workflows"))) {
            files = s.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
                    .toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            WorkflowParser.Result r = WorkflowParser.parse(".github/workflows/" + f.getFileName(), Files.readString(f));
            assertThat(r.diagnostics()).as(f.toString()).isEmpty();
            assertThat(r.workflow().jobs()).as(f.toString()).isNotEmpty();
        }
    }

    @Test
    void everyWorkflowFileTheReadmeNamesExists() throws IOException {
        Path root = root();
        Matcher m = Pattern.compile("(?<![\\w/])\\.github/workflows/[A-Za-z0-9_.-]+\\.ya?ml(?!@)")
                .matcher(Files.readString(root.resolve("README.md")));
        int named = 0;
        while (m.find()) {
            named++;
            assertThat(root.resolve(m.group()))
                    .as("README.md names " + m.group())
                    .isRegularFile();
        }
        assertThat(named).isPositive();
    }
}
