package dev.runway.server.artifacts;

import dev.runway.server.blobs.BlobStore;
import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import dev.runway.server.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

/**
 * A run's artifacts: each zip is a blob in the {@link BlobStore} (the data dir, or a bucket the replicas share),
 * received into a local temporary file first (counted and hashed as it streams, never held in memory) and published
 * before its row is committed, so a reader that finds the row always finds the whole blob. Names are unique within a run; only the same attempt of the same job may upload a name again
 * (a retried upload).
 */
public final class ArtifactStore {
    /** A stored artifact. */
    public record Artifact(
            String runId, String name, String jobId, int attempt, long size, String sha256, long createdAt) {}

    /** Why an upload was refused. */
    public static final class Refused extends Exception {
        public final int status;

        /** The API error code for the status. */
        public String code() {
            return status == 413 ? "payload_too_large" : status == 409 ? "conflict" : "bad_request";
        }

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** Key prefix of artifact blobs. */
    public static final String PREFIX = "artifacts/";

    /** File name prefix of bodies being received in the blob store's incoming directory. */
    static final String INCOMING = ".artifact-";

    private final Database db;
    private final BlobStore blobs;
    private final long maxBytes;

    public ArtifactStore(Database db, BlobStore blobs, long maxBytes) {
        this.db = db;
        this.blobs = blobs;
        this.maxBytes = maxBytes;
    }

    /** GitHub's rule for artifact names, so workflows behave the same, and no name that is a path or control code. */
    public static String checkName(String name) {
        if (name == null || name.isBlank()) return "artifact name must not be empty";
        if (name.length() > 200) return "artifact name is longer than 200 characters";
        if (name.equals(".") || name.equals("..")) return "artifact name must not be '" + name + "'";
        for (char c : name.toCharArray()) {
            if (Character.isISOControl(c))
                return "artifact name contains the control character U+" + String.format("%04X", (int) c)
                        + " (not allowed: control characters, \" : < > | * ? \\ /)";
            if ("\":<>|*?\\/".indexOf(c) >= 0)
                return "artifact name '" + name + "' contains '" + c
                        + "' (not allowed: \" : < > | * ? \\ / and control characters)";
        }
        return null;
    }

    public Artifact put(String runId, String name, String jobId, int attempt, InputStream body, long now)
            throws IOException, Refused {
        String problem = checkName(name);
        if (problem != null) throw new Refused(400, problem);
        Artifact existing = get(runId, name);
        if (existing != null && !(existing.jobId().equals(jobId) && existing.attempt() == attempt))
            throw new Refused(
                    409,
                    "an artifact named '" + name + "' already exists in this run (uploaded by job " + existing.jobId()
                            + "); names must be unique within a run");
        Path tmp = Blobs.incomingFile(blobs, INCOMING);
        try {
            Blobs.Received got = Blobs.receive(body, tmp, maxBytes, "artifact '" + name + "'");
            Artifact a = new Artifact(runId, name, jobId, attempt, got.size(), got.sha256(), now);
            // each upload has its own blob, so a losing concurrent upload of the same name never replaces the winner's
            blobs.put(key(a), tmp);
            try {
                insert(a);
            } catch (StoreException e) {
                blobs.delete(key(a));
                throw new Refused(409, "an artifact named '" + name + "' was uploaded by another job at the same time");
            }
            return a;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void insert(Artifact a) {
        String runId = a.runId();
        String name = a.name();
        String jobId = a.jobId();
        int attempt = a.attempt();
        long now = a.createdAt();
        db.tx(c -> {
            Sql.update(c, "DELETE FROM artifacts WHERE run_id = ? AND name = ? AND job_id = ?", runId, name, jobId);
            return Sql.update(
                    c,
                    "INSERT INTO artifacts (run_id, name, job_id, attempt, size, sha256, created_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    runId,
                    name,
                    jobId,
                    attempt,
                    a.size(),
                    a.sha256(),
                    now);
        });
    }

    public Artifact get(String runId, String name) {
        return db.read(c ->
                Sql.one(c, "SELECT * FROM artifacts WHERE run_id = ? AND name = ?", ArtifactStore::row, runId, name));
    }

    public List<Artifact> list(String runId) {
        return db.read(
                c -> Sql.query(c, "SELECT * FROM artifacts WHERE run_id = ? ORDER BY name", ArtifactStore::row, runId));
    }

    /** Artifacts uploaded before {@code cutoff}, oldest first (at most {@code limit}). */
    public List<Artifact> createdBefore(long cutoff, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM artifacts WHERE created_at < ? ORDER BY created_at LIMIT ?",
                ArtifactStore::row,
                cutoff,
                limit));
    }

    /**
     * Removes artifacts: their rows in one transaction, then their blobs (a blob left by a crash in between is an
     * orphan no reader finds, never a row without its blob); the bytes freed.
     */
    public long remove(List<Artifact> artifacts) throws IOException {
        if (artifacts.isEmpty()) return 0;
        db.tx(c -> {
            for (Artifact a : artifacts)
                Sql.update(
                        c,
                        "DELETE FROM artifacts WHERE run_id = ? AND name = ? AND job_id = ? AND attempt = ?",
                        a.runId(),
                        a.name(),
                        a.jobId(),
                        a.attempt());
            return null;
        });
        long freed = 0;
        for (Artifact a : artifacts) if (blobs.delete(key(a))) freed += a.size();
        return freed;
    }

    /**
     * Removes blobs written before {@code before} (epoch ms) that no artifact row names — left by a crash between a
     * row's removal and its blob's, or a losing concurrent upload — and bodies whose upload died half way: {count,
     * bytes}. One query per run.
     */
    public long[] removeOrphans(long before) throws IOException {
        java.util.Map<String, List<BlobStore.Blob>> byRun = new java.util.TreeMap<>();
        for (BlobStore.Blob b : blobs.list(PREFIX)) {
            String rest = b.key().substring(PREFIX.length());
            if (b.modifiedAt() < before && rest.contains("/"))
                byRun.computeIfAbsent(rest.substring(0, rest.indexOf('/')), k -> new java.util.ArrayList<>())
                        .add(b);
            else if (b.modifiedAt() < before)
                byRun.computeIfAbsent("", k -> new java.util.ArrayList<>()).add(b);
        }
        long n = 0;
        long bytes = 0;
        for (var run : byRun.entrySet()) {
            java.util.Set<String> named = new java.util.HashSet<>();
            if (!run.getKey().isEmpty()) for (Artifact a : list(run.getKey())) named.add(key(a));
            for (BlobStore.Blob b : run.getValue())
                if (!named.contains(b.key()) && blobs.delete(b.key())) {
                    n++;
                    bytes += b.size();
                }
        }
        long[] dead = Blobs.removeIncoming(blobs, INCOMING, before);
        return new long[] {n + dead[0], bytes + dead[1]};
    }

    /** The bytes of a stored artifact (close the stream). */
    public InputStream open(Artifact a) throws IOException {
        return blobs.open(key(a));
    }

    /** The blob key of a stored artifact: per run, per name (hashed: any name is a safe key), per upload. */
    public static String key(Artifact a) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(a.name().getBytes(StandardCharsets.UTF_8));
            return PREFIX + a.runId() + "/" + HexFormat.of().formatHex(h, 0, 16) + "/" + a.jobId() + "-" + a.attempt()
                    + ".zip";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Artifact row(ResultSet rs) throws SQLException {
        return new Artifact(
                rs.getString("run_id"),
                rs.getString("name"),
                rs.getString("job_id"),
                rs.getInt("attempt"),
                rs.getLong("size"),
                rs.getString("sha256"),
                rs.getLong("created_at"));
    }
}
