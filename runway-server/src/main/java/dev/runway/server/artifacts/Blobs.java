package dev.runway.server.artifacts;

import dev.runway.server.blobs.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Receives an upload into a local file of the blob store's incoming directory: streamed, counted against a limit and
 * hashed (SHA-256) as it arrives; and sweeps what dead uploads left there.
 */
final class Blobs {
    record Received(long size, String sha256) {}

    /** A new empty file for a body, named {@code prefix…}, in {@code blobs}' incoming directory. */
    static Path incomingFile(BlobStore blobs, String prefix) throws IOException {
        return Files.createTempFile(Files.createDirectories(blobs.incoming()), prefix, ".part");
    }

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

    /**
     * Removes files named {@code prefix…} in the incoming directory last modified before {@code before} (epoch ms):
     * bodies of uploads that died half way (a live upload writes to its file all along). {count, bytes}.
     */
    static long[] removeIncoming(BlobStore blobs, String prefix, long before) throws IOException {
        Path dir = blobs.incoming();
        if (!Files.isDirectory(dir)) return new long[] {0, 0};
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
        }
        long n = 0;
        long bytes = 0;
        for (Path f : files) {
            try {
                if (Files.getLastModifiedTime(f).toMillis() >= before) continue;
                long size = Files.size(f);
                if (Files.deleteIfExists(f)) {
                    n++;
                    bytes += size;
                }
            } catch (NoSuchFileException e) {
                // finished meanwhile
            }
        }
        return new long[] {n, bytes};
    }

    private Blobs() {}
}
