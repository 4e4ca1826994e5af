package dev.runway.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactActionsTest {
    @TempDir
    Path ws;

    void file(String p) throws IOException {
        Path f = ws.resolve(p);
        Files.createDirectories(f.getParent());
        Files.writeString(f, p);
    }

    @Test
    void pathsGlobsExclusionsAndHiddenFiles() throws IOException {
        file("out/a.txt");
        file("out/b.log");
        file("out/deep/c.txt");
        file("out/.hidden/d.txt");
        file("top.txt");
        List<Path> m = ArtifactActions.match(ws, "out/\n!out/**/*.log\n", false);
        assertThat(m).containsExactly(ws.resolve("out/a.txt"), ws.resolve("out/deep/c.txt"));
        assertThat(ArtifactActions.match(ws, "**/*.txt", false))
                .contains(ws.resolve("top.txt"))
                .hasSize(3);
        assertThat(ArtifactActions.match(ws, "out", true)).contains(ws.resolve("out/.hidden/d.txt"));
        assertThat(ArtifactActions.commonAncestor(m)).isEqualTo(ws.resolve("out"));
        assertThatThrownBy(() -> ArtifactActions.match(ws, "../etc/passwd", false))
                .hasMessageContaining("outside the workspace");
    }

    @Test
    void anEntryEscapingTheTargetIsRefused() throws IOException {
        Path zip = ws.resolve("evil.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("../escaped.txt"));
            z.write("x".getBytes());
            z.closeEntry();
        }
        assertThatThrownBy(() -> ArtifactActions.unzip(zip, ws.resolve("into")))
                .hasMessageContaining("points outside the target directory");
        assertThat(ws.resolve("escaped.txt")).doesNotExist();
    }
}
