package dev.runway.server.artifacts;

import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import dev.runway.server.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Dependency caches, as {@code actions/cache} uses them: entries are immutable and scoped (to a repository), found
 * by exact key or, failing that, by the newest entry whose key starts with one of the restore prefixes, in order.
 * The total size is bounded: saving past the limit evicts the least recently used entries.
 */
public final class CacheStore {
    public record Entry(
            String scope, String key, String version, long size, String sha256, String file, long createdAt) {}

    private final Database db;
    private final Path dir;
    private final long maxTotalBytes;

    public CacheStore(Database db, Path dir, long maxTotalBytes) {
        this.db = db;
        this.dir = dir;
        this.maxTotalBytes = maxTotalBytes;
    }

    /** Longest cache key, restore prefix or version (GitHub's limit for keys). */
    public static final int MAX_KEY_LENGTH = 512;

    /** Why {@code value} cannot be a cache key, restore prefix or version ({@code what} names it); null if it can. */
    public static String checkKey(String what, String value) {
        if (value == null || value.isBlank() || value.length() > MAX_KEY_LENGTH)
            return what + ": must be 1 to " + MAX_KEY_LENGTH + " characters";
        if (value.contains(",")) return what + ": must not contain commas";
        if (value.chars().anyMatch(Character::isISOControl)) return what + ": must not contain control characters";
        return null;
    }

    /** The exact key, else the newest entry with one of the prefixes (in the order given); null on a miss. */
    public Entry lookup(String scope, String version, List<String> keys, long now) {
        Entry hit = null;
        for (int i = 0; i < keys.size() && hit == null; i++) {
            String k = keys.get(i);
            hit = i == 0
                    ? db.read(c -> Sql.one(
                            c,
                            "SELECT * FROM caches WHERE scope = ? AND version = ? AND cache_key = ?",
                            CacheStore::row,
                            scope,
                            version,
                            k))
                    : null;
            if (hit == null) {
                hit = db.read(c -> Sql.one(
                        c,
                        "SELECT * FROM caches WHERE scope = ? AND version = ? AND substr(cache_key, 1, ?) = ?"
                                + " ORDER BY created_at DESC LIMIT 1",
                        CacheStore::row,
                        scope,
                        version,
                        k.length(),
                        k));
            }
        }
        if (hit != null) {
            Entry h = hit;
            db.tx(c -> Sql.update(
                    c,
                    "UPDATE caches SET last_used_at = ? WHERE scope = ? AND cache_key = ? AND version = ?",
                    now,
                    h.scope(),
                    h.key(),
                    h.version()));
        }
        return hit;
    }

    public Entry get(String scope, String key, String version) {
        return db.read(c -> Sql.one(
                c,
                "SELECT * FROM caches WHERE scope = ? AND cache_key = ? AND version = ?",
                CacheStore::row,
                scope,
                key,
                version));
    }

    public Path file(Entry e) {
        return dir.resolve(e.file());
    }

    /** Saves an archive; {@link ArtifactStore.Refused} 409 if the key exists (entries are immutable), 413 if too big. */
    public Entry save(String scope, String key, String version, InputStream body, long now)
            throws IOException, ArtifactStore.Refused {
        String problem = checkKey("key", key);
        if (problem != null) throw new ArtifactStore.Refused(400, problem);
        if (get(scope, key, version) != null)
            throw new ArtifactStore.Refused(
                    409, "a cache with key '" + key + "' already exists (caches are immutable)");
        Files.createDirectories(dir);
        String name = UUID.randomUUID() + ".tgz";
        Path tmp = Files.createTempFile(dir, ".upload-", ".part");
        try {
            Blobs.Received got = Blobs.receive(body, tmp, maxTotalBytes, "cache '" + key + "'");
            Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            Entry e = new Entry(scope, key, version, got.size(), got.sha256(), name, now);
            try {
                db.tx(c -> Sql.update(
                        c,
                        "INSERT INTO caches (scope, cache_key, version, size, sha256, file, created_at, last_used_at)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        scope,
                        key,
                        version,
                        e.size(),
                        e.sha256(),
                        name,
                        now,
                        now));
            } catch (StoreException ex) {
                Files.deleteIfExists(dir.resolve(name));
                throw new ArtifactStore.Refused(
                        409, "a cache with key '" + key + "' was saved by another job meanwhile");
            }
            evict(e);
            return e;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes least recently used entries (never {@code keep}) until the total fits the limit. */
    private void evict(Entry keep) throws IOException {
        List<Entry> all =
                db.read(c -> Sql.query(c, "SELECT * FROM caches ORDER BY last_used_at, created_at", CacheStore::row));
        long total = all.stream().mapToLong(Entry::size).sum();
        for (Entry e : all) {
            if (total <= maxTotalBytes) break;
            if (e.file().equals(keep.file())) continue;
            db.tx(c -> Sql.update(
                    c,
                    "DELETE FROM caches WHERE scope = ? AND cache_key = ? AND version = ?",
                    e.scope(),
                    e.key(),
                    e.version()));
            Files.deleteIfExists(dir.resolve(e.file()));
            total -= e.size();
        }
    }

    /** Entries not used since {@code cutoff}, least recently used first (at most {@code limit}). */
    public List<Entry> unusedSince(long cutoff, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM caches WHERE last_used_at < ? ORDER BY last_used_at LIMIT ?",
                CacheStore::row,
                cutoff,
                limit));
    }

    /**
     * Removes entries not used since {@code cutoff} (one used meanwhile stays): rows in one transaction, then their
     * files; the bytes freed.
     */
    public Removal remove(List<Entry> entries, long cutoff) throws IOException {
        List<Entry> gone = db.tx(c -> {
            List<Entry> out = new java.util.ArrayList<>();
            for (Entry e : entries)
                if (Sql.update(
                                c,
                                "DELETE FROM caches WHERE scope = ? AND cache_key = ? AND version = ? AND last_used_at < ?",
                                e.scope(),
                                e.key(),
                                e.version(),
                                cutoff)
                        > 0) out.add(e);
            return out;
        });
        long freed = 0;
        for (Entry e : gone) if (Files.deleteIfExists(dir.resolve(e.file()))) freed += e.size();
        return new Removal(gone.size(), freed);
    }

    /** Files in the cache directory last modified before {@code before} (epoch ms) that no entry names. */
    public List<Path> orphans(long before) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        java.util.Set<String> named =
                new java.util.HashSet<>(db.read(c -> Sql.query(c, "SELECT file FROM caches", rs -> rs.getString(1))));
        List<Path> out = new java.util.ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList())
                if (!named.contains(f.getFileName().toString())
                        && Files.getLastModifiedTime(f).toMillis() < before) out.add(f);
        }
        return out;
    }

    /** How many entries were removed and the bytes their files held. */
    public record Removal(int entries, long bytes) {}

    /** Every entry, for tests and listing. */
    public List<Entry> all() {
        return db.read(c -> Sql.query(c, "SELECT * FROM caches ORDER BY created_at", CacheStore::row));
    }

    private static Entry row(ResultSet rs) throws SQLException {
        return new Entry(
                rs.getString("scope"),
                rs.getString("cache_key"),
                rs.getString("version"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getString("file"),
                rs.getLong("created_at"));
    }
}
