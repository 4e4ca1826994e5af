package dev.runway.server.tokens;

import dev.runway.protocol.TokenPrefixes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The bootstrap admin token: given by configuration, or generated on first start and kept in
 * {@code <data-dir>/admin-token}, created with mode 0600 so only the server's user can read it.
 */
public final class AdminToken {
    public static final String FILE = "admin-token";

    public static String resolve(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            if (!configured.startsWith(TokenPrefixes.API)) {
                throw new IllegalArgumentException("admin token must start with '" + TokenPrefixes.API + "'");
            }
            return configured.strip();
        }
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) return Files.readString(file).strip();
            Files.createDirectories(dataDir);
            String token = Tokens.generate(TokenPrefixes.API);
            try {
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                return Files.readString(file).strip();
            }
            Files.writeString(file, token + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    private AdminToken() {}
}
