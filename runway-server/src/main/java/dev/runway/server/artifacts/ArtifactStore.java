package dev.runway.server.artifacts;

import dev.runway.server.store.Database;
import dev.runway.server.store.Sql;
import dev.runway.server.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

/**
 * A run's artifacts: each zip is a file under the blob directory, written to a temporary file first (counted and
 * hashed as it streams, never held in memory) and moved into place only once its row is committed, so a reader never
 * sees half an artifact. Names are unique within a run; only the same attempt of the same job may upload a name again
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

    private final Database db;
    private final Path dir;
    private final long maxBytes;

    public ArtifactStore(Database db, Path dir, long maxBytes) {
        this.db = db;
        this.dir = dir;
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
        Path runDir = Files.createDirectories(dir.resolve(runId));
        Path tmp = Files.createTempFile(runDir, ".upload-", ".part");
        try {
            Blobs.Received got = Blobs.receive(body, tmp, maxBytes, "artifact '" + name + "'");
            Artifact a = new Artifact(runId, name, jobId, attempt, got.size(), got.sha256(), now);
            // each upload has its own file, so a losing concurrent upload of the same name never replaces the winner's
            Path target = file(a);
            Files.createDirectories(target.getParent());
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try {
                insert(a);
            } catch (StoreException e) {
                Files.deleteIfExists(target);
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
     * Removes artifacts: their rows in one transaction, then their files (a file left by a crash in between is an
     * orphan no reader finds, never a row without its file); the bytes freed.
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
        for (Artifact a : artifacts) {
            Path f = file(a);
            if (Files.deleteIfExists(f)) freed += a.size();
            deleteIfEmpty(f.getParent());
            deleteIfEmpty(f.getParent().getParent());
        }
        return freed;
    }

    /**
     * Files under the blob directory last modified before {@code before} (epoch ms) that no artifact row names: left
     * by a crash between a row's removal and its file's, by another replica's retention (rows are shared, files are
     * not), or an upload that died half way. One query per run directory.
     */
    public List<Path> orphans(long before) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> out = new java.util.ArrayList<>();
        List<Path> runs;
        try (var s = Files.list(dir)) {
            runs = s.filter(Files::isDirectory).toList();
        }
        for (Path run : runs) {
            java.util.Set<Path> named = new java.util.HashSet<>();
            for (Artifact a : list(run.getFileName().toString())) named.add(file(a));
            try (var walk = Files.walk(run)) {
                for (Path f : walk.filter(Files::isRegularFile).toList())
                    if (!named.contains(f) && Files.getLastModifiedTime(f).toMillis() < before) out.add(f);
            } catch (java.nio.file.NoSuchFileException e) {
                // removed meanwhile
            }
        }
        return out;
    }

    private static void deleteIfEmpty(Path d) {
        try (var entries = Files.list(d)) {
            if (entries.findAny().isEmpty()) Files.deleteIfExists(d);
        } catch (IOException e) {
            // not there, or an upload just made a file in it: keep it
        }
    }

    /** The zip of a stored artifact: per run, per name (hashed: any name is a safe file name), per upload. */
    public Path file(Artifact a) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(a.name().getBytes(StandardCharsets.UTF_8));
            return dir.resolve(a.runId())
                    .resolve(HexFormat.of().formatHex(h, 0, 16))
                    .resolve(a.jobId() + "-" + a.attempt() + ".zip");
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
