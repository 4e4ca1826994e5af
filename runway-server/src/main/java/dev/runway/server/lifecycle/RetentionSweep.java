package dev.runway.server.lifecycle;

import dev.runway.server.ServerConfig;
import dev.runway.server.artifacts.ArtifactStore;
import dev.runway.server.artifacts.CacheStore;
import dev.runway.server.metrics.ServerMetrics;
import dev.runway.server.store.RetentionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@link ServerConfig.Retention}: on each {@link #runOnce()} removes what is older than each kind's
 * retention, in batches of {@link #BATCH} read at a time and removed in short transactions of their own (one
 * attempt's log, one job, one batch of artifact or cache rows), so writers are never held up for long. Every
 * replica may run it: each removal checks again that its row is still due, so two replicas never remove twice.
 */
public final class RetentionSweep {
    private static final Logger log = LoggerFactory.getLogger(RetentionSweep.class);

    /** Rows read per batch. */
    public static final int BATCH = 100;

    /** How often the server runs the pass. */
    public static final Duration PERIOD = Duration.ofMinutes(10);

    /** How long a file without a row is left alone: an upload moves its file into place just before its row. */
    public static final Duration ORPHAN_GRACE = Duration.ofDays(1);

    /** What one pass removed, per kind, and the files found without a row. */
    public record Pass(int logs, int artifacts, int caches, int jobs, int runs, int orphanFiles, long bytes) {
        public int total() {
            return logs + artifacts + caches + jobs + runs + orphanFiles;
        }
    }

    private final RetentionStore store;
    private final ArtifactStore artifacts;
    private final CacheStore caches;
    private final ServerConfig.Retention retention;
    private final InstantSource clock;
    private final ServerMetrics metrics;
    /** The file system's time, which file modification times are read in (not the injected clock). */
    private final InstantSource files = InstantSource.system();

    private long orphansSweptAt = Long.MIN_VALUE;
    private int runArtifacts;

    public RetentionSweep(
            RetentionStore store,
            ArtifactStore artifacts,
            CacheStore caches,
            ServerConfig.Retention retention,
            InstantSource clock,
            ServerMetrics metrics) {
        this.store = store;
        this.artifacts = artifacts;
        this.caches = caches;
        this.retention = retention;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Runs the pass on {@code executor} every {@link #PERIOD}, the first a minute after start. */
    public ScheduledFuture<?> schedule(ScheduledExecutorService executor) {
        return executor.scheduleWithFixedDelay(this::runLogged, 60, PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    private void runLogged() {
        try {
            Pass p = runOnce();
            if (p.total() > 0)
                log.info(
                        "retention removed {} logs, {} artifacts, {} caches, {} jobs, {} runs, {} orphan files ({} bytes)",
                        p.logs(),
                        p.artifacts(),
                        p.caches(),
                        p.jobs(),
                        p.runs(),
                        p.orphanFiles(),
                        p.bytes());
        } catch (RuntimeException e) {
            log.error("retention pass failed; will retry", e);
        }
    }

    /** One pass over every kind, until nothing due is left; what it removed. One pass at a time. */
    public synchronized Pass runOnce() {
        long now = clock.millis();
        try {
            // jobs and runs first: what goes with them is not removed twice
            runArtifacts = 0;
            int[] jobsRuns = jobsAndRuns(now);
            long[] logs = logs(now);
            long[] arts = artifacts(now);
            long[] cached = caches(now);
            long[] orphans = new long[2];
            // once a day: files whose row is gone (removed by another replica, or a crash between row and file)
            if (orphansSweptAt == Long.MIN_VALUE || now - orphansSweptAt >= ORPHAN_GRACE.toMillis()) {
                orphans = orphans();
                orphansSweptAt = now;
            }
            return new Pass(
                    (int) logs[0],
                    (int) arts[0] + runArtifacts,
                    (int) cached[0],
                    jobsRuns[0],
                    jobsRuns[1],
                    (int) orphans[0],
                    logs[1] + arts[1] + cached[1] + orphans[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The line a removed log reads as. */
    public static String marker(Duration kept) {
        return "[runway] log removed by retention after " + human(kept) + "\n";
    }

    static String human(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays())))
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours())))
            return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
        if (d.toMinutes() > 0 && d.equals(Duration.ofMinutes(d.toMinutes())))
            return d.toMinutes() + (d.toMinutes() == 1 ? " minute" : " minutes");
        return d.toSeconds() + " seconds";
    }

    private long[] logs(long now) {
        if (retention.logs().isZero()) return new long[2];
        long cutoff = now - retention.logs().toMillis();
        String marker = marker(retention.logs());
        long count = 0;
        long bytes = 0;
        for (List<RetentionStore.AttemptKey> batch; !(batch = store.logsEndedBefore(cutoff, BATCH)).isEmpty(); ) {
            long batchBytes = 0;
            for (RetentionStore.AttemptKey a : batch) batchBytes += store.removeLog(a, marker, now);
            count += batch.size();
            bytes += batchBytes;
            metrics.retentionRemoved("logs", batch.size(), batchBytes);
        }
        return new long[] {count, bytes};
    }

    private long[] artifacts(long now) throws IOException {
        if (retention.artifacts().isZero()) return new long[2];
        long cutoff = now - retention.artifacts().toMillis();
        long count = 0;
        long bytes = 0;
        for (List<ArtifactStore.Artifact> batch; !(batch = artifacts.createdBefore(cutoff, BATCH)).isEmpty(); ) {
            long freed = artifacts.remove(batch);
            count += batch.size();
            bytes += freed;
            metrics.retentionRemoved("artifacts", batch.size(), freed);
        }
        return new long[] {count, bytes};
    }

    private long[] caches(long now) throws IOException {
        if (retention.caches().isZero()) return new long[2];
        long cutoff = now - retention.caches().toMillis();
        long count = 0;
        long bytes = 0;
        for (List<CacheStore.Entry> batch; !(batch = caches.unusedSince(cutoff, BATCH)).isEmpty(); ) {
            CacheStore.Removal r = caches.remove(batch, cutoff);
            count += r.entries();
            bytes += r.bytes();
            metrics.retentionRemoved("caches", r.entries(), r.bytes());
            if (r.entries() == 0) break; // all used meanwhile: the next pass looks again
        }
        return new long[] {count, bytes};
    }

    /** Runs, with their jobs, artifacts and approvals, then jobs submitted on their own: {jobs, runs} removed. */
    private int[] jobsAndRuns(long now) throws IOException {
        if (retention.jobs().isZero()) return new int[2];
        long cutoff = now - retention.jobs().toMillis();
        int jobs = 0;
        int runs = 0;
        java.util.Set<String> kept = new java.util.HashSet<>(); // re-run meanwhile: not asked for again this pass
        for (List<String> batch;
                !(batch = fresh(store.runsFinishedBefore(cutoff, BATCH + kept.size()), kept)).isEmpty(); ) {
            for (String run : batch) {
                long bytes = 0;
                int removed = 0;
                for (String job : store.jobsOfRun(run)) {
                    RetentionStore.Removed r = store.removeJob(job, run, cutoff);
                    if (r.removed()) removed++;
                    bytes += r.logBytes();
                }
                List<ArtifactStore.Artifact> arts = artifacts.list(run);
                long artBytes = store.removeRun(run, cutoff) ? removeArtifacts(arts) : -1;
                if (artBytes < 0) kept.add(run);
                else runs++;
                jobs += removed;
                metrics.retentionRemoved("jobs", removed, 0);
                metrics.retentionRemoved("logs", 0, bytes);
                if (artBytes >= 0) metrics.retentionRemoved("runs", 1, 0);
            }
        }
        kept.clear();
        for (List<String> batch;
                !(batch = fresh(store.jobsFinishedBefore(cutoff, BATCH + kept.size()), kept)).isEmpty(); ) {
            int removed = 0;
            long bytes = 0;
            for (String job : batch) {
                RetentionStore.Removed r = store.removeJob(job, null, cutoff);
                if (r.removed()) removed++;
                else kept.add(job);
                bytes += r.logBytes();
            }
            jobs += removed;
            metrics.retentionRemoved("jobs", removed, 0);
            metrics.retentionRemoved("logs", 0, bytes);
        }
        return new int[] {jobs, runs};
    }

    private long removeArtifacts(List<ArtifactStore.Artifact> arts) throws IOException {
        long freed = artifacts.remove(arts);
        runArtifacts += arts.size();
        metrics.retentionRemoved("artifacts", arts.size(), freed);
        return freed;
    }

    /**
     * Removes artifact and cache blobs older than {@link #ORPHAN_GRACE} that no row names, and bodies of uploads that
     * died half way: {count, bytes}.
     */
    private long[] orphans() throws IOException {
        long before = files.millis() - ORPHAN_GRACE.toMillis();
        long[] a = artifacts.removeOrphans(before);
        long[] c = caches.removeOrphans(before);
        long n = a[0] + c[0];
        long bytes = a[1] + c[1];
        if (n > 0) log.info("removed {} artifact and cache blobs that no row names ({} bytes)", n, bytes);
        metrics.retentionRemoved("orphan_files", n, bytes);
        return new long[] {n, bytes};
    }

    private static List<String> fresh(List<String> ids, java.util.Set<String> kept) {
        return ids.stream().filter(id -> !kept.contains(id)).toList();
    }
}
