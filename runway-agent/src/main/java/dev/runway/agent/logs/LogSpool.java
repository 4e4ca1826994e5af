package dev.runway.agent.logs;

import dev.runway.agent.Backoff;
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
 * plane is unreachable), and an uploader thread ships it in chunks from the server's committed offset, through a
 * {@link LogSink} (on an agent, the {@link LogBatcher} that joins the chunks of all its attempts in one call). A retried
 * chunk is harmless because the server skips bytes below its committed length.
 *
 * <p>When the spool file cannot be written (the agent's disk is full), the rest of the log is held in memory instead,
 * up to {@link #MAX_MEMORY} bytes the control plane has not acknowledged; past that the job's output waits (its
 * steps block on their pipes) until the uploads catch up. The job goes on and its log stays byte-exact, where a full
 * disk used to fail the job.
 */
public final class LogSpool implements Executor.Output, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogSpool.class);
    static final int CHUNK = 64 * 1024;
    static final Duration LINGER = Duration.ofMillis(100);
    /** Unacknowledged log bytes held in memory once the spool file cannot be written. */
    static final int MAX_MEMORY = 8 * 1024 * 1024;

    private final Path file;
    private final RandomAccessFile raf;
    private final LogSink sink;
    private final String jobId;
    private final int attempt;
    private final String jobToken;
    private final Backoff backoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long written;
    /** Bytes below this offset are in the file; those from it on, in {@link #memory} (no limit while the disk works). */
    private long onDisk = Long.MAX_VALUE;

    private volatile Memory memory;
    private volatile long committed;
    private volatile boolean finishing;
    private volatile boolean stopped;
    private volatile boolean truncated;
    private final Thread uploader;

    public LogSpool(Path file, LogSink sink, String jobId, int attempt, String jobToken, Backoff backoff)
            throws IOException {
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
        this.sink = sink;
        this.jobId = jobId;
        this.attempt = attempt;
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
            if (memory == null) {
                try {
                    raf.seek(written);
                    raf.write(b, off, len);
                    written += len;
                    changed.signalAll();
                    return;
                } catch (IOException e) { // a partial write leaves bytes past onDisk in the file: never read
                    onDisk = written;
                    memory = new Memory(written);
                    log.warn(
                            "job {}: cannot write the log spool {} ({}); holding up to {} MiB of the log in memory"
                                    + " until the control plane has it",
                            jobId,
                            file,
                            e.getMessage(),
                            MAX_MEMORY >> 20);
                }
            }
            for (int done = 0; done < len; ) {
                int piece = Math.min(len - done, CHUNK);
                while (held() + piece > MAX_MEMORY && !stopped) changed.await();
                if (stopped) return; // abandoned or closed: nobody will read it
                memory.append(b, off + done, piece);
                written += piece;
                done += piece;
                changed.signalAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(
                    "interrupted while the log waited for room in memory", new java.io.InterruptedIOException());
        } finally {
            lock.unlock();
        }
    }

    /** Log bytes in memory the control plane has not acknowledged (after dropping those it has). */
    private long held() {
        memory.dropBelow(committed);
        return Math.max(0, written - Math.max(committed, memory.base));
    }

    /**
     * The log from some offset on, in memory: a growable window whose start moves up as the control plane
     * acknowledges bytes.
     */
    private static final class Memory {
        long base;
        byte[] data = new byte[CHUNK];
        int size;

        Memory(long base) {
            this.base = base;
        }

        void append(byte[] b, int off, int len) {
            if (size + len > data.length)
                data = java.util.Arrays.copyOf(
                        data, Math.max(size + len, Math.min(2 * data.length, MAX_MEMORY + CHUNK)));
            System.arraycopy(b, off, data, size, len);
            size += len;
        }

        void dropBelow(long offset) {
            long drop = Math.min(size, offset - base);
            if (drop <= 0) return;
            System.arraycopy(data, (int) drop, data, 0, size - (int) drop);
            size -= (int) drop;
            base += drop;
        }

        /** Copies {@code n} bytes from log offset {@code from} (at or above {@link #base}). */
        void read(long from, byte[] into, int n) {
            System.arraycopy(data, (int) (from - base), into, 0, n);
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
        wakeWriters();
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
                if (from < onDisk) {
                    n = (int) Math.min(CHUNK, Math.min(written, onDisk) - from);
                    raf.seek(from);
                    raf.readFully(buf, 0, n);
                } else {
                    memory.dropBelow(from);
                    n = (int) Math.min(CHUNK, written - from);
                    memory.read(from, buf, n);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                log.error("job {}: cannot read the log spool: {}", jobId, e.toString());
                return;
            } finally {
                lock.unlock();
            }
            try {
                LogAppendResponse r = sink.append(jobId, attempt, jobToken, from, java.util.Arrays.copyOf(buf, n));
                committed = Math.max(committed, r.committed());
                backoff.reset();
                wakeWriters();
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

    /** Output waiting for room in memory may go on now that more is acknowledged. */
    private void wakeWriters() {
        if (memory == null) return;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
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
