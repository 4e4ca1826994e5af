package dev.runway.agent.registration;

import dev.runway.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The runner's identity, kept in a file only the agent's user can read (created 0600, written by atomic rename)
 * and reused after restarts so a runner registers once.
 */
public record Credentials(String serverUrl, String runnerId, String name, String credential) {
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
