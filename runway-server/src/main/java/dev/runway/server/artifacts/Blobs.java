package dev.runway.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Receives an upload into a file: streamed, counted against a limit and hashed (SHA-256) as it arrives. */
final class Blobs {
    record Received(long size, String sha256) {}

    /** Writes {@code body} to {@code to}; {@link ArtifactStore.Refused} 413 once more than {@code max} bytes came. */
    static Received receive(InputStream body, Path to, long max, String what)
            throws IOException, ArtifactStore.Refused {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(to), sha)) {
                byte[] buf = new byte[65536];
                for (int n; (n = body.read(buf)) > 0; ) {
                    size += n;
                    if (size > max)
                        throw new ArtifactStore.Refused(413, what + " is larger than the limit of " + max + " bytes");
                    out.write(buf, 0, n);
                }
            }
            return new Received(size, HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Blobs() {}
}
