package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.isolation.JobUser;
import dev.runway.agent.isolation.SandboxOptions;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * actions/cache of a sandboxed job (its workspace handed to an unprivileged user by a root agent): tar runs as that
 * user, so a cache path through a link the job planted reads no host file, and a restore writes through no link.
 */
class CacheActionTest {
    @TempDir
    Path data;

    Path host;
    Path workspace;
    Path stored;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(JobUser.agentIsRoot(), "not root: the agent cannot hand workspaces to another user");
        host = Files.createDirectories(data.resolve("host"));
        Files.writeString(host.resolve("credential.json"), "rwc_secret");
        Files.createDirectories(data.resolve("work"));
        workspace = Files.createDirectories(data.resolve("work/job-1"));
        stored = data.resolve("stored.tgz");
    }

    void handOver() throws IOException {
        new JobUser(SandboxOptions.DEFAULT_UID, SandboxOptions.DEFAULT_UID).own(List.of(workspace));
    }

    JobApi api() {
        return new JobApi() {
            @Override
            public ArtifactView uploadArtifact(String name, Path zip) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<ArtifactView> artifacts() {
                return List.of();
            }

            @Override
            public void downloadArtifact(String name, Path to) {}

            @Override
            public Optional<CacheEntry> cacheLookup(String key, List<String> restoreKeys, String version) {
                return Files.exists(stored)
                        ? Optional.of(new CacheEntry(key, version, 1, "0", Instant.now()))
                        : Optional.empty();
            }

            @Override
            public void cacheDownload(String key, String version, Path to) throws IOException {
                Files.copy(stored, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public CacheEntry cacheSave(String key, String version, Path archive) throws IOException {
                Files.copy(archive, stored, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return new CacheEntry(key, version, Files.size(archive), "0", Instant.now());
            }
        };
    }

    CacheAction cache(String path) {
        return new CacheAction(
                Map.of("key", "k1", "path", path),
                Map.of("HOME", data.resolve("home").toString()));
    }

    Executor.Output out() {
        return log::write;
    }

    /** A cached archive of the file {@code member} alone (no entry for its directory), as tar makes of its path. */
    void storeFileAlone(String member) throws Exception {
        Path file = data.resolve("src").resolve(member);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "cached");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-czf",
                        stored.toString(),
                        "-C",
                        data.resolve("src").toString(),
                        member)
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).isZero();
    }

    static List<String> listing(Path archive) throws Exception {
        Process p = new ProcessBuilder("tar", "-tzf", archive.toString()).start();
        List<String> names = new ArrayList<>(
                new String(p.getInputStream().readAllBytes()).lines().toList());
        assertThat(p.waitFor()).isZero();
        return names;
    }

    @Test
    void aLinkOutOfTheWorkspaceIsNotCachedAndTheWorkspaceIs() throws Exception {
        Files.createDirectories(workspace.resolve("deps"));
        Files.writeString(workspace.resolve("deps/lib.jar"), "jar");
        Files.createSymbolicLink(workspace.resolve("evil"), host);
        handOver();
        cache("deps\nevil/credential.json\n" + host.resolve("credential.json")).save(workspace, api(), out());
        assertThat(listing(stored)).contains("deps/", "deps/lib.jar").noneMatch(n -> n.contains("credential"));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("cache path 'evil/credential.json' lies outside");
    }

    @Test
    void aRestoreDoesNotWriteThroughALinkTheJobPlanted() throws Exception {
        storeFileAlone("dir/x");
        // this run's job put a link to a host directory where the cache goes
        Files.createSymbolicLink(workspace.resolve("dir"), host);
        handOver();
        assertThatThrownBy(() -> cache("dir/x").restore(workspace, api(), out()))
                .hasMessageContaining("through the link 'dir'");
        assertThat(host.resolve("x")).as("written through the job's link").doesNotExist();
    }

    /** The same into a directory the job user may write (as /tmp is): tar alone would write through the link. */
    @Test
    void aRestoreDoesNotWriteThroughALinkIntoAWorldWritableDirectory() throws Exception {
        storeFileAlone("t/x");
        // the job user can reach it, as it can reach /tmp
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path open = Files.createDirectories(data.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(workspace.resolve("t"), open);
        handOver();
        assertThatThrownBy(() -> cache("t/x").restore(workspace, api(), out()))
                .hasMessageContaining("through the link 't'");
        assertThat(open.resolve("x")).as("written through the job's link").doesNotExist();
    }
}
