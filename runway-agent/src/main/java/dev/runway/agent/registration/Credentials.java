package dev.runway.agent.registration;

import dev.runway.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The runner's identity, kept in a file only the agent's user can read (created 0600, written by atomic rename)
 * and reused after restarts so a runner registers once. The credential expires ({@code expiresAt}); the agent
 * rotates it half-way through its life ({@link #dueForRotation}). Files from before expiry existed have no dates
 * and are rotated at once.
 */
public record Credentials(
        String serverUrl,
        String runnerId,
        String name,
        String credential,
        java.time.Instant issuedAt,
        java.time.Instant expiresAt) {
    public Credentials(String serverUrl, String runnerId, String name, String credential) {
        this(serverUrl, runnerId, name, credential, null, null);
    }

    /** Whether half of the credential's life has passed at {@code now} (or its dates are unknown). */
    public boolean dueForRotation(java.time.Instant now) {
        if (issuedAt == null || expiresAt == null) return true;
        java.time.Duration life = java.time.Duration.between(issuedAt, expiresAt);
        return !now.isBefore(issuedAt.plus(life.dividedBy(2)));
    }

    /** The same runner with a new credential. */
    public Credentials rotated(String next, java.time.Instant issued, java.time.Instant expires) {
        return new Credentials(serverUrl, runnerId, name, next, issued, expires);
    }

    @Override
    public String toString() {
        return "Credentials[runnerId=" + runnerId + ", expiresAt=" + expiresAt + "]"; // never the credential
    }

    public static Credentials load(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        Credentials c = Json.lenient().readValue(file.toFile(), Credentials.class);
        if (c == null || c.credential() == null || c.credential().isBlank()) {
            throw new IOException(
                    file + " holds no runner credential; delete it and register again with a registration token");
        }
        return c;
    }

    public void save(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(
                dir,
                ".credential-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
