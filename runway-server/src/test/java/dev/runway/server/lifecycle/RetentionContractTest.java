package dev.runway.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestClock;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.blobs.FileBlobStore;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.store.Database;
import dev.runway.server.store.LogStore;
import dev.runway.server.store.RetentionStore;
import dev.runway.server.store.Sql;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retention against a real store; every store (SQLite, PostgreSQL) runs it through a subclass. */
abstract class RetentionContractTest {
    static final long NOW = 1_800_000_000_000L;
    static final long DAY = Duration.ofDays(1).toMillis();

    Database db;
    Path dir;
    TestClock clock;
    ServerMetrics metrics;
    ArtifactStore artifacts;
    CacheStore caches;
    FileBlobStore blobs;
    LogStore logs;
    RetentionSweep sweep;

    /** A new, empty store with its data directory. */
    abstract ServerConfig config();

    @BeforeEach
    void open() {
        ServerConfig config = config();
        dir = config.dataDir();
        db = Database.open(config);
        clock = new TestClock(NOW);
        metrics = new ServerMetrics(() -> null, () -> 0, () -> new ServerMetrics.DbPool.Use(0, 0, 0, 1));
        blobs = new FileBlobStore(dir);
        artifacts = new ArtifactStore(db, blobs, 1 << 20);
        caches = new CacheStore(db, blobs, 1 << 20);
        logs = new LogStore(db);
        sweep = sweep(ServerConfig.Retention.DEFAULT);
    }

    RetentionSweep sweep(ServerConfig.Retention r) {
        return new RetentionSweep(new RetentionStore(db), artifacts, caches, r, clock, metrics);
    }

    @AfterEach
    void close() {
        if (db != null) db.close();
    }

    void run(String id, Long finishedAt) {
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO runs (id, name, workflow_path, workflow, event, inputs, state, created_at, finished_at)"
                        + " VALUES (?, 'ci', '.github/workflows/ci.yml', 'on: push', 'push', '{}', ?, ?, ?)",
                id,
                finishedAt == null ? "running" : "succeeded",
                NOW - 500 * DAY,
                finishedAt));
    }

    /** A job of {@code runId} (null: on its own) with one attempt that ended at {@code endedAt}, and its log. */
    void job(String id, String runId, Long finishedAt, long endedAt, String... chunks) {
        db.tx(c -> {
            Sql.update(
                    c,
                    "INSERT INTO jobs (id, name, spec, labels, state, attempt, max_attempts, timeout_ms, created_at,"
                            + " queued_at, finished_at, run_id, job_key, matrix_index)"
                            + " VALUES (?, ?, '{}', '', ?, 1, 2, 60000, ?, ?, ?, ?, ?, 0)",
                    id,
                    id,
                    finishedAt == null ? "running" : "succeeded",
                    endedAt - DAY,
                    endedAt - DAY,
                    finishedAt,
                    runId,
                    id);
            long at = 0;
            for (String chunk : chunks) {
                byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, 1, ?, ?)",
                        id,
                        at,
                        b);
                at += b.length;
            }
            return Sql.update(
                    c,
                    "INSERT INTO attempts (job_id, attempt, runner_id, token_hash, state, lease_expires_at, started_at,"
                            + " ended_at, log_received, log_stored) VALUES (?, 1, 'r', ?, ?, 0, ?, ?, ?, ?)",
                    id,
                    "hash-" + id,
                    finishedAt == null ? "lost" : "succeeded",
                    endedAt - DAY,
                    endedAt,
                    at,
                    at);
        });
    }

    String log(String jobId) {
        return new String(logs.read(jobId, 1, 0).bytes(), StandardCharsets.UTF_8);
    }

    long count(String sql, Object... args) {
        return db.read(c -> Sql.one(c, sql, rs -> rs.getLong(1), args));
    }

    List<String> ids(String sql) {
        return db.read(c -> Sql.query(c, sql, rs -> rs.getString(1)));
    }

    double removed(String name, String kind) {
        return metrics.registry().scrape(n -> n.startsWith("runway_retention")).stream()
                .filter(m -> m.getMetadata().getPrometheusName().equals(name))
                .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> kind.equals(d.getLabels().get("kind")))
                .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue)
                .sum();
    }

    @Test
    void aLogPastItsRetentionReadsAsOneLineAndNewerLogsStay() {
        String step1 = "step 1 " + "x".repeat(100) + "\n";
        String step2 = "step 2 " + "y".repeat(100) + "\n";
        job("old", null, NOW - 91 * DAY, NOW - 91 * DAY, step1, step2);
        job("new", null, NOW - DAY, NOW - DAY, "fresh\n");
        // the attempt ended long ago, but its job was requeued and still runs: its log stays
        job("requeued", null, null, NOW - 200 * DAY, "lost attempt\n");

        RetentionSweep.Pass pass = sweep.runOnce();

        assertThat(pass.logs()).isEqualTo(1);
        assertThat(log("old")).isEqualTo("[runway] log removed by retention after 90 days\n");
        assertThat(logs.size("old", 1)).isEqualTo(log("old").length());
        assertThat(log("new")).isEqualTo("fresh\n");
        assertThat(log("requeued")).isEqualTo("lost attempt\n");
        assertThat(removed("runway_retention_removed", "logs")).isEqualTo(1);
        assertThat(removed("runway_retention_removed_bytes", "logs"))
                .isEqualTo(step1.length() + step2.length() - log("old").length());
        assertThat(count("SELECT COUNT(*) FROM jobs"))
                .as("jobs are kept longer than logs")
                .isEqualTo(3);

        assertThat(sweep.runOnce().total()).as("a second pass finds nothing").isZero();
        assertThat(log("old")).isEqualTo("[runway] log removed by retention after 90 days\n");
    }

    @Test
    void aPassRemovesMoreThanOneBatchAndKeepsEachTransactionToOneAttempt() {
        int n = RetentionSweep.BATCH * 2 + 7;
        db.tx(c -> {
            for (int i = 0; i < n; i++) {
                Sql.update(
                        c,
                        "INSERT INTO jobs (id, name, spec, labels, state, attempt, max_attempts, timeout_ms, created_at,"
                                + " queued_at, finished_at) VALUES (?, 'j', '{}', '', 'succeeded', 1, 2, 60000, 0, 0, ?)",
                        "j" + i,
                        NOW - 100 * DAY);
                Sql.update(
                        c,
                        "INSERT INTO attempts (job_id, attempt, runner_id, token_hash, state, lease_expires_at,"
                                + " started_at, ended_at, log_received, log_stored)"
                                + " VALUES (?, 1, 'r', ?, 'succeeded', 0, 0, ?, 3, 3)",
                        "j" + i,
                        "h" + i,
                        NOW - 100 * DAY);
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES (?, 1, 0, ?)",
                        "j" + i,
                        "ok\n".getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });

        assertThat(sweep.runOnce().logs()).isEqualTo(n);
        assertThat(count("SELECT COUNT(*) FROM attempts WHERE log_removed_at IS NULL"))
                .isZero();
        assertThat(log("j" + (n - 1))).startsWith("[runway] log removed by retention");
    }

    @Test
    void artifactsAndCachesPastTheirRetentionGoWithTheirFiles() throws Exception {
        ArtifactStore.Artifact old =
                artifacts.put("run-a", "old", "job-a", 1, new ByteArrayInputStream(new byte[1000]), NOW - 91 * DAY);
        ArtifactStore.Artifact recent =
                artifacts.put("run-a", "recent", "job-a", 1, new ByteArrayInputStream(new byte[10]), NOW - DAY);
        CacheStore.Entry unused =
                caches.save("repo", "unused", "v", new ByteArrayInputStream(new byte[300]), NOW - 30 * DAY);
        CacheStore.Entry used =
                caches.save("repo", "used", "v", new ByteArrayInputStream(new byte[30]), NOW - 30 * DAY);
        assertThat(caches.lookup("repo", "v", List.of("used"), NOW - DAY)).isNotNull(); // used yesterday
        Path oldFile = blobs.path(ArtifactStore.key(old));
        Path unusedFile = blobs.path(CacheStore.key(unused));
        assertThat(oldFile).exists();
        assertThat(unusedFile).exists();

        RetentionSweep.Pass pass = sweep.runOnce();

        assertThat(pass.artifacts()).isEqualTo(1);
        assertThat(pass.caches()).isEqualTo(1);
        assertThat(artifacts.list("run-a"))
                .extracting(ArtifactStore.Artifact::name)
                .containsExactly("recent");
        assertThat(oldFile).doesNotExist();
        assertThat(blobs.path(ArtifactStore.key(recent))).exists();
        assertThat(caches.all()).extracting(CacheStore.Entry::key).containsExactly("used");
        assertThat(unusedFile).doesNotExist();
        assertThat(blobs.path(CacheStore.key(used))).exists();
        assertThat(removed("runway_retention_removed", "artifacts")).isEqualTo(1);
        assertThat(removed("runway_retention_removed_bytes", "artifacts")).isEqualTo(1000);
        assertThat(removed("runway_retention_removed", "caches")).isEqualTo(1);
        assertThat(removed("runway_retention_removed_bytes", "caches")).isEqualTo(300);
    }

    @Test
    void finishedRunsAndJobsPastTheirRetentionGoWithEverythingOfTheirs() throws Exception {
        run("run-old", NOW - 401 * DAY);
        job("old-1", "run-old", NOW - 401 * DAY, NOW - 401 * DAY, "a\n");
        job("old-2", "run-old", NOW - 401 * DAY, NOW - 401 * DAY, "b\n");
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO deployment_approvals (run_id, run_attempt, environment, state, requested_at, due_at)"
                        + " VALUES ('run-old', 1, 'prod', 'approved', 0, 0)"));
        ArtifactStore.Artifact art =
                artifacts.put("run-old", "dist", "old-1", 1, new ByteArrayInputStream(new byte[5]), NOW - 401 * DAY);
        run("run-going", null); // created 500 days ago and still running (a re-run, say): kept whole
        job("going-1", "run-going", NOW - 401 * DAY, NOW - 401 * DAY, "c\n");
        run("run-recent", NOW - 10 * DAY);
        job("recent-1", "run-recent", NOW - 10 * DAY, NOW - 10 * DAY, "d\n");
        job("alone-old", null, NOW - 401 * DAY, NOW - 401 * DAY, "e\n");
        job("alone-new", null, NOW - 10 * DAY, NOW - 10 * DAY, "f\n");

        RetentionSweep.Pass pass = sweep.runOnce();

        assertThat(pass.runs()).isEqualTo(1);
        assertThat(pass.jobs()).isEqualTo(3);
        assertThat(ids("SELECT id FROM runs ORDER BY id")).containsExactly("run-going", "run-recent");
        assertThat(ids("SELECT id FROM jobs ORDER BY id")).containsExactly("alone-new", "going-1", "recent-1");
        assertThat(count("SELECT COUNT(*) FROM attempts WHERE job_id IN ('old-1', 'old-2', 'alone-old')"))
                .isZero();
        assertThat(count("SELECT COUNT(*) FROM log_chunks WHERE job_id IN ('old-1', 'old-2', 'alone-old')"))
                .isZero();
        assertThat(count("SELECT COUNT(*) FROM deployment_approvals")).isZero();
        assertThat(artifacts.list("run-old")).isEmpty();
        assertThat(blobs.path(ArtifactStore.key(art))).doesNotExist();
        assertThat(Files.exists(dir.resolve("artifacts").resolve("run-old")))
                .as("the run's artifact directory goes too")
                .isFalse();
        assertThat(count("SELECT COUNT(*) FROM attempts WHERE job_id = 'going-1'"))
                .as("a job of a run that still runs stays, with its attempts")
                .isEqualTo(1);
        assertThat(removed("runway_retention_removed", "runs")).isEqualTo(1);
        assertThat(removed("runway_retention_removed", "jobs")).isEqualTo(3);
        assertThat(removed("runway_retention_removed", "artifacts")).isEqualTo(1);
    }

    @Test
    void aRetentionOfZeroKeepsThatKindForever() throws Exception {
        job("old", null, NOW - 1000 * DAY, NOW - 1000 * DAY, "kept\n");
        artifacts.put("run-a", "old", "old", 1, new ByteArrayInputStream(new byte[3]), NOW - 1000 * DAY);
        caches.save("repo", "k", "v", new ByteArrayInputStream(new byte[3]), NOW - 1000 * DAY);

        assertThat(sweep(ServerConfig.Retention.FOREVER).runOnce().total()).isZero();
        assertThat(log("old")).isEqualTo("kept\n");
        assertThat(artifacts.list("run-a")).hasSize(1);
        assertThat(caches.all()).hasSize(1);

        RetentionSweep.Pass onlyLogs = sweep(ServerConfig.Retention.FOREVER.withLogs(Duration.ofHours(12)))
                .runOnce();
        assertThat(onlyLogs.total()).isEqualTo(1);
        assertThat(log("old")).isEqualTo("[runway] log removed by retention after 12 hours\n");
    }

    @Test
    void filesNoRowNamesAreRemovedOnceTheyAreADayOldAndOthersStay() throws Exception {
        ArtifactStore.Artifact kept =
                artifacts.put("run-a", "kept", "job-a", 1, new ByteArrayInputStream(new byte[10]), NOW);
        CacheStore.Entry entry = caches.save("repo", "k", "v", new ByteArrayInputStream(new byte[10]), NOW);
        // left by another replica's retention, or by a crash between a row's removal and its file's
        Path oldOrphan = Files.write(blobs.path(ArtifactStore.key(kept)).resolveSibling("job-b-1.zip"), new byte[700]);
        Path oldCache = Files.write(dir.resolve("caches").resolve("gone.tgz"), new byte[40]);
        // an upload that moved its file into place a moment ago and is about to commit its row
        Path fresh = Files.write(
                Files.createDirectories(dir.resolve("artifacts").resolve("run-b"))
                        .resolve("x"),
                new byte[1]);
        java.nio.file.attribute.FileTime twoDaysAgo =
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 2 * DAY);
        Files.setLastModifiedTime(oldOrphan, twoDaysAgo);
        Files.setLastModifiedTime(oldCache, twoDaysAgo);
        Files.setLastModifiedTime(blobs.path(ArtifactStore.key(kept)), twoDaysAgo);
        Files.setLastModifiedTime(blobs.path(CacheStore.key(entry)), twoDaysAgo);
        // bodies of uploads that died half way (an old one), and one being received right now
        Path deadUpload =
                Files.write(Files.createDirectories(blobs.incoming()).resolve(".artifact-123.part"), new byte[50]);
        Path deadCache = Files.write(blobs.incoming().resolve(".cache-456.part"), new byte[5]);
        Path liveUpload = Files.write(blobs.incoming().resolve(".artifact-789.part"), new byte[3]);
        Files.setLastModifiedTime(deadUpload, twoDaysAgo);
        Files.setLastModifiedTime(deadCache, twoDaysAgo);

        RetentionSweep.Pass pass = sweep.runOnce();

        assertThat(pass.orphanFiles()).isEqualTo(4);
        assertThat(oldOrphan).doesNotExist();
        assertThat(deadUpload).doesNotExist();
        assertThat(deadCache).doesNotExist();
        assertThat(liveUpload).exists();
        assertThat(oldCache).doesNotExist();
        assertThat(fresh).exists();
        assertThat(blobs.path(ArtifactStore.key(kept))).exists();
        assertThat(blobs.path(CacheStore.key(entry))).exists();
        assertThat(removed("runway_retention_removed", "orphan_files")).isEqualTo(4);
        assertThat(removed("runway_retention_removed_bytes", "orphan_files")).isEqualTo(795);
    }
}
