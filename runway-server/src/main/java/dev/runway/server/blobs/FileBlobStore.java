package dev.runway.server.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Blobs as files under a root directory (the data dir): a key is a relative path there, so the layout is {@code
 * artifacts/…} and {@code caches/…} as before blob stores existed, and {@code runway admin backup} copies them. A put
 * is an atomic rename from {@link #incoming()} on the same file system.
 */
public final class FileBlobStore implements BlobStore {
    /** The incoming directory's name under the root; never a key prefix. */
    public static final String INCOMING = "incoming";

    private final Path root;

    public FileBlobStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The file that holds {@code key}'s blob. */
    public Path path(String key) {
        BlobStore.requireKey(key);
        if (key.equals(INCOMING) || key.startsWith(INCOMING + "/"))
            throw new IllegalArgumentException("blob key '" + key + "' is inside the incoming directory");
        return root.resolve(key);
    }

    @Override
    public void put(String key, Path from) throws IOException {
        Path target = path(key);
        Files.createDirectories(target.getParent());
        Files.move(from, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(path(key));
    }

    @Override
    public boolean delete(String key) throws IOException {
        Path f = path(key);
        boolean gone = Files.deleteIfExists(f);
        // empty folders left behind go too, up to (not including) the key's first segment
        for (Path d = f.getParent();
                d != null && d.getParent() != null && !d.getParent().equals(root);
                d = d.getParent()) if (!deleteIfEmpty(d)) break;
        return gone;
    }

    private static boolean deleteIfEmpty(Path d) {
        try (var entries = Files.list(d)) {
            if (entries.findAny().isPresent()) return false;
            return Files.deleteIfExists(d);
        } catch (IOException e) {
            return false; // not there, or an upload just made a file in it: keep it
        }
    }

    @Override
    public List<Blob> list(String prefix) throws IOException {
        Path start = root;
        String folder = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "";
        if (!folder.isEmpty()) start = path(folder);
        if (!Files.isDirectory(start)) return List.of();
        List<Blob> out = new ArrayList<>();
        try (var walk = Files.walk(start)) {
            walk.forEach(f -> {
                String key = root.relativize(f).toString();
                // the incoming folder and files no key of ours names (an operator's notes, say) are not blobs
                if (!key.startsWith(prefix) || key.startsWith(INCOMING + "/") || BlobStore.checkKey(key) != null)
                    return;
                try {
                    if (Files.isRegularFile(f))
                        out.add(new Blob(
                                key, Files.size(f), Files.getLastModifiedTime(f).toMillis()));
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    @Override
    public Path incoming() {
        return root.resolve(INCOMING);
    }

    @Override
    public String describe() {
        return "the data directory " + root;
    }

    @Override
    public void close() {}
}
