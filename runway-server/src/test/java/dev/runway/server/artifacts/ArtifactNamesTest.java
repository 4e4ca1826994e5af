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

    @Test
    void dotNamesControlCharactersAndNulAreRefused() {
        assertThat(ArtifactStore.checkName("..")).contains("must not be '..'");
        assertThat(ArtifactStore.checkName(".")).contains("must not be '.'");
        assertThat(ArtifactStore.checkName("a\u0000b")).contains("control character U+0000");
        assertThat(ArtifactStore.checkName("a\u001bb")).contains("control character U+001B");
        assertThat(ArtifactStore.checkName("a\tb")).contains("control character U+0009");
        assertThat(ArtifactStore.checkName("a\u007fb")).contains("control character U+007F");
        assertThat(ArtifactStore.checkName("...")).isNull(); // not a path step
        assertThat(ArtifactStore.checkName("v1.2.3")).isNull();
    }

    @Test
    void cacheKeysRestorePrefixesAndVersionsAreBounded() {
        assertThat(CacheStore.checkKey("key", "npm-linux-abc123")).isNull();
        assertThat(CacheStore.checkKey("key", "")).contains("1 to 512 characters");
        assertThat(CacheStore.checkKey("key", "k".repeat(513))).contains("1 to 512 characters");
        assertThat(CacheStore.checkKey("restore", "a,b")).isEqualTo("restore: must not contain commas");
        assertThat(CacheStore.checkKey("version", "a\u0000b"))
                .isEqualTo("version: must not contain control characters");
        assertThat(CacheStore.checkKey("key", "a\nb")).contains("control characters");
    }
}
