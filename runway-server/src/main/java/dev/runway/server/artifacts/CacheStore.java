package dev.runway.server.artifacts;

import dev.runway.server.blobs.BlobStore;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import dev.runway.server.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Dependency caches, as {@code actions/cache} uses them: entries are immutable and scoped (to a repository), found
 * by exact key or, failing that, by the newest entry whose key starts with one of the restore prefixes, in order.
 * The total size is bounded: saving past the limit evicts the least recently used entries. Archives are blobs of the
 * {@link BlobStore} under {@value #PREFIX}.
 */
public final class CacheStore {
    public record Entry(
            String scope, String key, String version, long size, String sha256, String file, long createdAt) {}

    /** Key prefix of cache blobs. */
    public static final String PREFIX = "caches/";

    /** File name prefix of archives being received in the blob store's incoming directory. */
    static final String INCOMING = ".cache-";

    private final Database db;
    private final BlobStore blobs;
    private final long maxTotalBytes;

    public CacheStore(Database db, BlobStore blobs, long maxTotalBytes) {
        this.db = db;
        this.blobs = blobs;
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

    /** The blob key of an entry's archive. */
    public static String key(Entry e) {
        return PREFIX + e.file();
    }

    /** The archive of an entry (close the stream). */
    public InputStream open(Entry e) throws IOException {
        return blobs.open(key(e));
    }

    /** Saves an archive; {@link ArtifactStore.Refused} 409 if the key exists (entries are immutable), 413 if too big. */
    public Entry save(String scope, String key, String version, InputStream body, long now)
            throws IOException, ArtifactStore.Refused {
        String problem = checkKey("key", key);
        if (problem != null) throw new ArtifactStore.Refused(400, problem);
        if (get(scope, key, version) != null)
            throw new ArtifactStore.Refused(
                    409, "a cache with key '" + key + "' already exists (caches are immutable)");
        String name = UUID.randomUUID() + ".tgz";
        Path tmp = Blobs.incomingFile(blobs, INCOMING);
        try {
            Blobs.Received got = Blobs.receive(body, tmp, maxTotalBytes, "cache '" + key + "'");
            Entry e = new Entry(scope, key, version, got.size(), got.sha256(), name, now);
            blobs.put(key(e), tmp);
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
                blobs.delete(key(e));
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
            blobs.delete(key(e));
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
        for (Entry e : gone) if (blobs.delete(key(e))) freed += e.size();
        return new Removal(gone.size(), freed);
    }

    /**
     * Removes archives written before {@code before} (epoch ms) that no entry names, and archives whose upload died
     * half way: {count, bytes}.
     */
    public long[] removeOrphans(long before) throws IOException {
        java.util.Set<String> named =
                new java.util.HashSet<>(db.read(c -> Sql.query(c, "SELECT file FROM caches", rs -> rs.getString(1))));
        long n = 0;
        long bytes = 0;
        for (BlobStore.Blob b : blobs.list(PREFIX))
            if (b.modifiedAt() < before
                    && !named.contains(b.key().substring(PREFIX.length()))
                    && blobs.delete(b.key())) {
                n++;
                bytes += b.size();
            }
        long[] dead = Blobs.removeIncoming(blobs, INCOMING, before);
        return new long[] {n + dead[0], bytes + dead[1]};
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
