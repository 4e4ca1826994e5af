package dev.runway.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    @TempDir
    Path dir;

    @Test
    void savedOnlyReadableByTheOwnerAndReloaded() throws Exception {
        Path f = dir.resolve("sub/credential.json");
        Credentials c = new Credentials("http://x", "r1", "runner", "rwc_secret");
        c.save(f);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                .isEqualTo("rw-------");
        assertThat(Credentials.load(f)).isEqualTo(c);
        try (var s = Files.list(f.getParent())) {
            assertThat(s.toList()).containsExactly(f); // no temp file left behind
        }
    }

    @Test
    void missingFileMeansNotRegisteredAndAnEmptyOneIsAClearError() throws Exception {
        assertThat(Credentials.load(dir.resolve("none.json"))).isNull();
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{}");
        assertThatThrownBy(() -> Credentials.load(f))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("register again");
    }

    @org.junit.jupiter.api.Test
    void rotationIsDueHalfWayThroughTheLifeAndTheValueNeverPrints() {
        java.time.Instant issued = java.time.Instant.parse("2026-01-01T00:00:00Z");
        Credentials c = new Credentials(
                "http://x", "r1", "runner", "rwc_secret", issued, issued.plus(java.time.Duration.ofDays(30)));
        org.assertj.core.api.Assertions.assertThat(c.dueForRotation(issued.plus(java.time.Duration.ofDays(14))))
                .isFalse();
        org.assertj.core.api.Assertions.assertThat(c.dueForRotation(issued.plus(java.time.Duration.ofDays(15))))
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(
                        new Credentials("http://x", "r1", "runner", "rwc_secret").dueForRotation(issued))
                .as("no dates: a file from before expiry existed")
                .isTrue();
        org.assertj.core.api.Assertions.assertThat(c.toString()).doesNotContain("rwc_secret");
    }
}
