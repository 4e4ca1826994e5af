package dev.runway.server.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Where artifact and cache bodies live: the data directory ({@link FileBlobStore}, the default) or S3-compatible
 * object storage ({@link S3BlobStore}) that every replica on one database shares. Metadata (names, sizes, hashes,
 * who uploaded what) stays in the database; a blob is immutable once put, and only a row names it, so a blob no row
 * names is garbage the retention sweep removes.
 *
 * <p>Keys are relative paths of safe segments ({@code artifacts/<run>/<hash>/<job>-<attempt>.zip}, {@code
 * caches/<uuid>.tgz}); {@link #checkKey} refuses anything else.
 */
public sealed interface BlobStore extends AutoCloseable permits FileBlobStore, S3BlobStore {
    /** A stored blob: its key, size in bytes and when it was last written (epoch ms). */
    record Blob(String key, long size, long modifiedAt) {}

    /**
     * Publishes the complete local file {@code from} under {@code key}, replacing a blob there; {@code from} is
     * consumed (moved or uploaded, then gone). Readers see the whole blob or none of it.
     */
    void put(String key, Path from) throws IOException;

    /** The bytes under {@code key}; {@link java.nio.file.NoSuchFileException} when there is no such blob. */
    InputStream open(String key) throws IOException;

    /** Removes the blob under {@code key}; false if there was none. */
    boolean delete(String key) throws IOException;

    /** Every blob whose key starts with {@code prefix} (a folder such as {@code artifacts/}). */
    List<Blob> list(String prefix) throws IOException;

    /**
     * A local directory for bodies being received, before {@link #put}: on the data dir's file system, so the file
     * store's put is an atomic rename.
     */
    Path incoming();

    /** Where blobs live, for logs and errors (never a credential). */
    String describe();

    @Override
    void close();

    /** Null if {@code key} is a relative path of segments of letters, digits, '.', '_' and '-' (no "." or ".."). */
    static String checkKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 1024) return "blob key must be 1 to 1024 characters";
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals(".."))
                return "blob key '" + key + "' has an empty, '.' or '..' segment";
            if (!seg.chars()
                    .allMatch(c -> (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '.'
                            || c == '_'
                            || c == '-')) return "blob key '" + key + "' has a character outside [A-Za-z0-9._-/]";
        }
        return null;
    }

    /** {@code key}, or {@link IllegalArgumentException} if {@link #checkKey} refuses it. */
    static String requireKey(String key) {
        String problem = checkKey(key);
        if (problem != null) throw new IllegalArgumentException(problem);
        return key;
    }
}
