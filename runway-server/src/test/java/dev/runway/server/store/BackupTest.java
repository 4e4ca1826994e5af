package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import dev.runway.server.artifacts.ArtifactStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup and restore of an SQLite store with its blobs, made while the store is written to. */
class BackupTest {
    @TempDir
    Path tmp;

    record Row(String name, String spec, String labels, String state) {}

    static Map<String, Row> jobs(Database db) {
        Map<String, Row> out = new ConcurrentHashMap<>();
        db.read(c -> Sql.query(
                c,
                "SELECT id, name, spec, labels, state FROM jobs",
                rs -> out.put(
                        rs.getString(1), new Row(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)))));
        return out;
    }

    static Map<String, byte[]> chunks(Database db) {
        Map<String, byte[]> out = new ConcurrentHashMap<>();
        db.read(c -> Sql.query(
                c,
                "SELECT job_id, start_offset, data FROM log_chunks",
                rs -> out.put(rs.getString(1) + "@" + rs.getLong(2), rs.getBytes(3))));
        return out;
    }

    @Test
    void aBackupMadeWhileJobsAreWrittenRestoresAConsistentStoreWithItsBlobsByteForByte() throws Exception {
        Path src = tmp.resolve("src");
        ServerConfig config = TestDatabases.sqlite(src);
        Database db = Database.open(config);
        Files.writeString(src.resolve("master.key"), "a-master-key-for-the-test");
        JobStore jobs = new JobStore(db);
        ArtifactStore artifacts = new ArtifactStore(db, new dev.runway.server.blobs.FileBlobStore(src), 1 << 22);
        Random random = new Random(42);
        Map<String, byte[]> uploaded = new ConcurrentHashMap<>(); // run/name -> bytes
        byte[] logLine = ("x".repeat(2047) + "\n").getBytes(StandardCharsets.UTF_8);
        // a store with some volume, so the copy takes a while
        db.tx(c -> {
            for (int i = 0; i < 3000; i++)
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, 1, 0, ?)",
                        "bulk-" + i,
                        logLine);
            return null;
        });
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("writer").start(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    JobRecord j = jobs.insert("job-" + i, "{\"n\":" + i + "}", Set.of("linux"), 2, 60_000, i);
                    String id = j.id();
                    byte[] chunk = ("line of " + id + "\n").getBytes(StandardCharsets.UTF_8);
                    db.tx(c -> Sql.update(
                            c,
                            "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, 1, 0, ?)",
                            id,
                            chunk));
                    if (i % 5 == 0) {
                        byte[] zip = new byte[1000 + random.nextInt(50_000)];
                        random.nextBytes(zip);
                        artifacts.put("run-" + i, "dist", id, 1, new ByteArrayInputStream(zip), i);
                        uploaded.put("run-" + i + "/dist", zip);
                    }
                    written.incrementAndGet();
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= 50);
            Set<String> before = Set.copyOf(jobs(db).keySet());
            Set<String> artifactsBefore = Set.copyOf(uploaded.keySet());
            int writtenAtStart = written.get();
            Path archive = tmp.resolve("backup.zip");

            Backup.Manifest m = Backup.backup(src, archive);

            int writtenDuring = written.get() - writtenAtStart;
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= writtenAtStart + writtenDuring + 20);
            stop.set(true);
            writer.join(30_000);
            assertThat(failed.get()).isNull();
            assertThat(writtenDuring)
                    .as("the writer went on while the backup was made")
                    .isPositive();
            assertThat(m.schemaVersion()).isEqualTo(Database.LATEST_SCHEMA_VERSION);
            assertThat(m.files()).containsKeys("runway.db", "master.key");
            assertThat(Files.getPosixFilePermissions(archive))
                    .as("the archive holds the master key: the owner's alone")
                    .isEqualTo(DataDir.FILE_MODE);

            Path dst = tmp.resolve("restored");
            Backup.restore(archive, dst);

            Map<String, Row> source = jobs(db);
            Map<String, byte[]> sourceChunks = chunks(db);
            try (Database restored = Database.open(TestDatabases.sqlite(dst))) {
                Map<String, Row> got = jobs(restored);
                assertThat(got.keySet())
                        .as("every job written before the backup")
                        .containsAll(before);
                assertThat(source.keySet())
                        .as("the writer went on after the backup")
                        .hasSizeGreaterThan(got.size());
                got.forEach((id, row) -> assertThat(row).as(id).isEqualTo(source.get(id)));
                Map<String, byte[]> gotChunks = chunks(restored);
                assertThat(gotChunks).hasSizeGreaterThanOrEqualTo(3000 + before.size());
                gotChunks.forEach((k, v) -> assertThat(v).as(k).isEqualTo(sourceChunks.get(k)));
                // a job without its log, or a log without its job, would be a torn copy
                // (the writer commits a job, then its log, in two transactions: the one it wrote last may be
                // caught between them, no other)
                String last = got.entrySet().stream()
                        .max(java.util.Comparator.comparingInt(
                                e -> Integer.parseInt(e.getValue().name().substring("job-".length()))))
                        .orElseThrow()
                        .getKey();
                for (String id : got.keySet())
                    if (!id.equals(last))
                        assertThat(gotChunks.containsKey(id + "@0"))
                                .as(id + " has its log")
                                .isTrue();

                ArtifactStore restoredArtifacts =
                        new ArtifactStore(restored, new dev.runway.server.blobs.FileBlobStore(dst), 1 << 22);
                List<ArtifactStore.Artifact> all = restored.read(c -> Sql.query(
                        c,
                        "SELECT run_id, name, job_id, attempt, size, sha256, created_at FROM artifacts",
                        rs -> new ArtifactStore.Artifact(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getInt(4),
                                rs.getLong(5),
                                rs.getString(6),
                                rs.getLong(7))));
                assertThat(all.stream().map(a -> a.runId() + "/" + a.name()).toList())
                        .containsAll(artifactsBefore);
                for (ArtifactStore.Artifact a : all) {
                    byte[] bytes;
                    try (var in = restoredArtifacts.open(a)) {
                        bytes = in.readAllBytes();
                    }
                    assertThat(bytes).as(a.runId()).isEqualTo(uploaded.get(a.runId() + "/" + a.name()));
                    assertThat(HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256").digest(bytes)))
                            .isEqualTo(a.sha256());
                }
            }
            assertThat(Files.readString(dst.resolve("master.key"))).isEqualTo("a-master-key-for-the-test");
            assertThat(Files.getPosixFilePermissions(dst)).isEqualTo(DataDir.DIR_MODE);
            assertThat(Files.getPosixFilePermissions(dst.resolve("runway.db"))).isEqualTo(DataDir.FILE_MODE);
        } finally {
            stop.set(true);
            writer.join(30_000);
            db.close();
        }
    }

    Path smallBackup() {
        Path src = tmp.resolve("small");
        Database.open(TestDatabases.sqlite(src)).close();
        Path archive = tmp.resolve("small.zip");
        Backup.backup(src, archive);
        return archive;
    }

    @Test
    void restoreRefusesADataDirectoryThatHoldsAnything() throws Exception {
        Path archive = smallBackup();
        Path dst = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(dst.resolve("runway.db"), "an older store");
        assertThatThrownBy(() -> Backup.restore(archive, dst))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("is not empty");
        assertThat(Files.readString(dst.resolve("runway.db"))).isEqualTo("an older store");
    }

    /** The archive with its manifest changed by {@code edit} (and optionally one file's bytes changed). */
    Path rewritten(Path archive, String from, String to, String damage) throws Exception {
        Path out = tmp.resolve("edited-" + System.nanoTime() + ".zip");
        try (ZipFile in = new ZipFile(archive.toFile());
                ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] b;
                try (InputStream s = in.getInputStream(e)) {
                    b = s.readAllBytes();
                }
                if (e.getName().equals(Backup.MANIFEST))
                    b = new String(b, StandardCharsets.ISO_8859_1)
                            .replace(from, to)
                            .getBytes(StandardCharsets.ISO_8859_1);
                if (e.getName().equals(damage)) b[b.length / 2] ^= 1;
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(b);
                zip.closeEntry();
            }
        }
        return out;
    }

    @Test
    void restoreRefusesABackupOfANewerSchemaWritingNothing() throws Exception {
        Path archive = smallBackup();
        int v = Database.LATEST_SCHEMA_VERSION;
        Path newer = rewritten(archive, "schema-version=" + v, "schema-version=" + (v + 1), null);
        Path dst = tmp.resolve("new-dir");
        assertThatThrownBy(() -> Backup.restore(newer, dst))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("schema version " + (v + 1))
                .hasMessageContaining("knows up to " + v);
        assertThat(dst).doesNotExist();
    }

    @Test
    void restoreChecksEveryFileAgainstTheManifestAndLeavesNothingOfADamagedArchive() throws Exception {
        Path archive = smallBackup();
        Path damaged = rewritten(archive, "", "", "runway.db");
        Path dst = tmp.resolve("damaged-dir");
        assertThatThrownBy(() -> Backup.restore(damaged, dst))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("damaged")
                .hasMessageContaining("runway.db");
        assertThat(dst).doesNotExist();
    }

    @Test
    void postgresIsRefusedWithThePgDumpPath() {
        ServerConfig pg = ServerConfig.builder(tmp.resolve("pg"))
                .databaseUrl("jdbc:postgresql://127.0.0.1:5432/runway")
                .build();
        assertThatThrownBy(() -> Backup.backup(pg, tmp.resolve("x.zip")))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("pg_dump")
                .hasMessageContaining("docs/operations.md");
        assertThatThrownBy(() -> Backup.restore(tmp.resolve("x.zip"), pg))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("pg_restore");
    }

    @Test
    void anArchiveWithoutAManifestIsNotTakenForABackup() throws Exception {
        Path zip = tmp.resolve("other.zip");
        try (OutputStream out = Files.newOutputStream(zip);
                ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("runway.db"));
            z.write(new byte[] {1, 2, 3});
            z.closeEntry();
        }
        assertThatThrownBy(() -> Backup.restore(zip, tmp.resolve("d")))
                .isInstanceOf(Backup.Refused.class)
                .hasMessageContaining("not a Runway backup");
        assertThat(tmp.resolve("d")).doesNotExist();
    }
}
