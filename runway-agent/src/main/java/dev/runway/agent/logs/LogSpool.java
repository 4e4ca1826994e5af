package dev.runway.agent.logs;

import dev.runway.agent.Backoff;
import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.Executor;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogAppendResponse;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job attempt's log: output is appended to a local spool file first (so nothing is lost while the control
 * plane is unreachable), and an uploader thread ships it in chunks from the server's committed offset. A retried
 * chunk is harmless because the server skips bytes below its committed length.
 */
public final class LogSpool implements Executor.Output, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSpool.class);
    static final int CHUNK = 64 * 1024;
    static final Duration LINGER = Duration.ofMillis(100);

    private final Path file;
    private final RandomAccessFile raf;
    private final JobCalls client;
    private final String jobId;
    private final String jobToken;
    private final Backoff backoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long written;
    private volatile long committed;
    private volatile boolean finishing;
    private volatile boolean stopped;
    private volatile boolean truncated;
    private final Thread uploader;

    public LogSpool(Path file, JobCalls client, String jobId, String jobToken, Backoff backoff) throws IOException {
        Files.createDirectories(file.getParent());
        try { // the job's output, before the server has it: the agent's user's alone
            Files.createFile(
                    file,
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        this.file = file;
        this.raf = new RandomAccessFile(file.toFile(), "rw");
        this.raf.setLength(0);
        this.client = client;
        this.jobId = jobId;
        this.jobToken = jobToken;
        this.backoff = backoff;
        this.uploader = Thread.ofVirtual()
                .name("log-upload-" + jobId)
                .start(dev.runway.protocol.LogContext.wrap(this::uploadLoop));
    }

    @Override
    public void write(byte[] b, int off, int len) {
        lock.lock();
        try {
            raf.seek(written);
            raf.write(b, off, len);
            written += len;
            changed.signalAll();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the log spool " + file, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Uploads what remains and waits until the server has all of it (or {@code timeout} passes). Returns true if
     * everything was acknowledged.
     */
    public boolean finish(Duration timeout) throws InterruptedException {
        finishing = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        uploader.join(timeout);
        boolean done = !uploader.isAlive();
        stopped = true;
        uploader.interrupt();
        return done && (committed >= writtenNow() || truncated);
    }

    /** Stops uploading at once (the attempt was fenced off). */
    public void abandon() {
        stopped = true;
        uploader.interrupt();
    }

    public long committed() {
        return committed;
    }

    private long writtenNow() {
        lock.lock();
        try {
            return written;
        } finally {
            lock.unlock();
        }
    }

    private void uploadLoop() {
        byte[] buf = new byte[CHUNK];
        while (!stopped) {
            int n;
            long from;
            lock.lock();
            try {
                while (written <= committed && !finishing && !stopped) changed.await();
                if (written <= committed && finishing) return;
                if (!finishing && written - committed < CHUNK) {
                    changed.await(
                            LINGER.toMillis(),
                            java.util.concurrent.TimeUnit.MILLISECONDS); // let a burst of small writes gather
                }
                from = committed;
                n = (int) Math.min(CHUNK, written - from);
                raf.seek(from);
                raf.readFully(buf, 0, n);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.error("job {}: cannot read the log spool: {}", jobId, e.toString());
                return;
            } finally {
                lock.unlock();
            }
            try {
                LogAppendResponse r = client.appendLog(jobId, jobToken, from, java.util.Arrays.copyOf(buf, n));
                committed = Math.max(committed, r.committed());
                backoff.reset();
                if (r.truncated()) {
                    truncated = true;
                    committed = Long.MAX_VALUE / 2; // the server keeps nothing more; stop sending
                    return;
                }
            } catch (ServerException e) {
                if (e.stale()) return;
                if (e.status() == 409) {
                    committed = resync(e);
                    continue;
                }
                if (!pause(e)) return;
            } catch (IOException e) {
                if (!pause(e)) return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private long resync(ServerException e) {
        try {
            return Json.lenient().readValue(e.body(), LogAppendResponse.class).committed();
        } catch (IOException | RuntimeException parse) {
            return committed;
        }
    }

    private boolean pause(Exception e) {
        log.warn("job {}: log upload failed ({}); retrying", jobId, e.toString());
        try {
            backoff.pause();
            return true;
        } catch (InterruptedException ie) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        stopped = true;
        uploader.interrupt();
        raf.close();
        Files.deleteIfExists(file);
    }
}
