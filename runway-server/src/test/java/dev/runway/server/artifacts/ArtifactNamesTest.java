package dev.runway.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Path traversal through artifact names is refused with a message (and could not reach the disk anyway: files are
 * stored under a hash of the name, never under the name itself).
 */
class ArtifactNamesTest {
    @Test
    void namesThatCouldLeaveTheirDirectoryAreRefused() {
        assertThat(ArtifactStore.checkName("../../etc/passwd")).contains("contains '/'");
        assertThat(ArtifactStore.checkName("..\\..\\windows")).contains("contains '\\'");
        assertThat(ArtifactStore.checkName("dist\nx")).contains("not allowed");
        assertThat(ArtifactStore.checkName("")).contains("must not be empty");
        assertThat(ArtifactStore.checkName("x".repeat(201))).contains("longer than 200");
        assertThat(ArtifactStore.checkName("dist-linux_x64 (1)")).isNull();
    }
}
