package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.agent.exec.JobApi;
import dev.runway.agent.isolation.InsideDirectories;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.Annotation;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    @Test
    void aLinkToAHostFileIsNotUploaded(@TempDir Path host) throws IOException {
        Path credential = Files.writeString(host.resolve("credential.json"), "rwc_secret");
        file("out/a.txt");
        Files.createSymbolicLink(ws.resolve("out/stolen.json"), credential);
        Files.createSymbolicLink(ws.resolve("hostdir"), host);
        Files.createSymbolicLink(ws.resolve("out/inside.txt"), ws.resolve("out/a.txt"));
        assertThat(ArtifactActions.match(ws, "out/", false))
                .containsExactly(ws.resolve("out/a.txt"), ws.resolve("out/inside.txt"));
        assertThat(ArtifactActions.match(ws, "hostdir/credential.json", false)).isEmpty();
        assertThat(ArtifactActions.match(ws, "**/*.json", false)).isEmpty();
    }

    @Test
    void anEntryIsNotWrittenThroughALinkOutOfTheTarget(@TempDir Path host) throws IOException {
        Path victim = Files.writeString(host.resolve("victim.txt"), "precious");
        Path into = Files.createDirectories(ws.resolve("into"));
        Files.createSymbolicLink(into.resolve("dir"), host);
        Files.createSymbolicLink(into.resolve("file.txt"), victim);
        Path zip = ws.resolve("evil.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("file.txt"));
            z.write("overwritten".getBytes());
            z.closeEntry();
            z.putNextEntry(new ZipEntry("dir/victim.txt"));
            z.write("overwritten".getBytes());
            z.closeEntry();
        }
        assertThatThrownBy(() -> ArtifactActions.unzip(zip, into)).hasMessageContaining("through a link");
        assertThat(victim).hasContent("precious");
        assertThat(into.resolve("file.txt")).isRegularFile().hasContent("overwritten"); // the link was replaced
    }

    /** A root agent must not create directories on the host through a job's link (found by review). */
    @Test
    void noDirectoryIsCreatedThroughALinkOutOfTheTarget(@TempDir Path host) throws IOException {
        Path into = Files.createDirectories(ws.resolve("into2"));
        Files.createSymbolicLink(into.resolve("x"), host);
        Path zip = ws.resolve("dirs.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new ZipEntry("x/made-by-root/"));
            z.closeEntry();
        }
        assertThatThrownBy(() -> ArtifactActions.unzip(zip, into)).hasMessageContaining("through a link");
        assertThat(host.resolve("made-by-root")).doesNotExist();
        assertThatThrownBy(() -> InsideDirectories.workingDirectory(ws, "into2/x/new"))
                .hasMessageContaining("through a link");
        assertThat(host.resolve("new")).doesNotExist();
        Files.createDirectories(ws.resolve("real"));
        Files.createSymbolicLink(ws.resolve("alias"), ws.resolve("real"));
        assertThat(InsideDirectories.workingDirectory(ws, "alias/sub"))
                .as("a link inside the workspace is fine")
                .isDirectory();
        assertThat(ws.resolve("real/sub")).isDirectory();
    }

    @Test
    void anArtifactWithASecretIsUploadedAsItIsWithAWarning() throws Exception {
        String secret = "artifact-secret-123";
        file("out/clean.txt");
        // across the 64 KiB read buffer: the scan must carry its state from one chunk to the next
        String leaking = "z".repeat(64 * 1024 - 5) + secret + "\n";
        Files.writeString(ws.resolve("out/leak.txt"), leaking);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        WorkflowCommands out = new WorkflowCommands(log::write);
        out.mask(secret);
        out.step("upload");
        Path uploaded = ws.resolve("uploaded.zip");
        ArtifactActions.upload(Map.of("name", "bundle", "path", "out/"), ws, api(uploaded), out);

        String warning = "artifact 'bundle' contains a secret value (file out/leak.txt); artifacts are not masked";
        assertThat(out.annotations())
                .containsExactly(new Annotation("warning", warning, "upload", null, "out/leak.txt", null, null));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("Warning: " + warning);
        ArtifactActions.unzip(uploaded, ws.resolve("back"));
        assertThat(Files.readString(ws.resolve("back/leak.txt"))).isEqualTo(leaking);
        assertThat(Files.readString(ws.resolve("back/clean.txt"))).isEqualTo("out/clean.txt");
    }

    @Test
    void anArtifactWithoutSecretsHasNoWarning() throws Exception {
        file("out/a.txt");
        Files.writeString(ws.resolve("out/b.txt"), "artifact-secret-12 is not the whole value");
        WorkflowCommands out = new WorkflowCommands((b, off, len) -> {});
        out.mask("artifact-secret-123");
        ArtifactActions.upload(Map.of("name", "bundle", "path", "out/"), ws, api(ws.resolve("up.zip")), out);
        assertThat(out.annotations()).isEmpty();
    }

    /** Keeps a copy of the uploaded zip at {@code copy}. */
    static JobApi api(Path copy) {
        return new JobApi() {
            @Override
            public ArtifactView uploadArtifact(String name, Path zip) throws IOException {
                Files.copy(zip, copy);
                return new ArtifactView(name, Files.size(zip), "sha", "job", Instant.EPOCH);
            }

            @Override
            public List<ArtifactView> artifacts() {
                return List.of();
            }

            @Override
            public void downloadArtifact(String name, Path to) {}

            @Override
            public Optional<CacheEntry> cacheLookup(String key, List<String> restoreKeys, String version) {
                return Optional.empty();
            }

            @Override
            public void cacheDownload(String key, String version, Path to) {}

            @Override
            public CacheEntry cacheSave(String key, String version, Path archive) {
                return null;
            }
        };
    }
}
