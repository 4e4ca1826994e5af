package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent and the control plane meet only in runway-protocol (docs/architecture.md, "Rules of the design"):
 * neither imports the
 * other, and the protocol imports neither. Checked on the sources so a violation names the file.
 */
class ModuleBoundariesTest {
    static final Path ROOT = Path.of(System.getProperty("runway.repo.root", ".."))
            .toAbsolutePath()
            .normalize();

    @Test
    void agentNeverImportsServerCode() {
        assertThat(importsOf("runway-agent", "dev.runway.server")).isEmpty();
    }

    @Test
    void serverNeverImportsAgentCode() {
        assertThat(importsOf("runway-server", "dev.runway.agent")).isEmpty();
    }

    @Test
    void theScalerUsesOnlyTheProtocol() {
        assertThat(importsOf("runway-scaler", "dev.runway.server")).isEmpty();
        assertThat(importsOf("runway-scaler", "dev.runway.agent")).isEmpty();
        assertThat(importsOf("runway-scaler", "dev.runway.cli")).isEmpty();
    }

    @Test
    void protocolImportsNothingOfRunway() {
        assertThat(importsOf("runway-protocol", "dev.runway.server")).isEmpty();
        assertThat(importsOf("runway-protocol", "dev.runway.agent")).isEmpty();
        assertThat(importsOf("runway-protocol", "dev.runway.cli")).isEmpty();
        assertThat(importsOf("runway-protocol", "dev.runway.scaler")).isEmpty();
    }

    @Test
    void theCheckSeesSources() {
        assertThat(javaFiles("runway-agent")).isNotEmpty();
        assertThat(javaFiles("runway-server")).isNotEmpty();
        assertThat(javaFiles("runway-scaler")).isNotEmpty();
    }

    static List<String> importsOf(String module, String forbiddenPackage) {
        return javaFiles(module).stream()
                .flatMap(f -> lines(f).filter(l -> l.startsWith("import ") && l.contains(forbiddenPackage + "."))
                        .map(l -> ROOT.relativize(f) + ": " + l))
                .toList();
    }

    static List<Path> javaFiles(String module) {
        Path src = ROOT.resolve(module).resolve("src/main/java");
        try (Stream<Path> s = Files.walk(src)) {
            return s.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<String> lines(Path f) {
        try {
            return Files.readAllLines(f).stream().map(String::strip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
