package dev.runway.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.Backoff;
import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogAppendResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The uploader against an in-memory stand-in of the server's log endpoint (same offset semantics as the real
 * one, which the end-to-end suite exercises across a real control-plane crash).
 */
class LogSpoolTest {
    @TempDir
    Path dir;

    /** Offset-idempotent log sink that can be "down" for a number of calls; an attempt's calls, no runner's. */
    static final class InMemoryLogServer implements JobCalls {
        final ByteArrayOutputStream stored = new ByteArrayOutputStream();
        final AtomicInteger downFor = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean replyLost;

        @Override
        public synchronized LogAppendResponse appendLog(String jobId, String token, long offset, byte[] chunk)
                throws IOException {
            calls.incrementAndGet();
            if (downFor.getAndDecrement() > 0) throw new ConnectException("connection refused");
            long committed = stored.size();
            if (offset > committed) {
                throw new ServerException(
                        409,
                        "conflict",
                        "gap",
                        Json.lenient().writeValueAsString(new LogAppendResponse(committed, false)));
            }
            int skip = (int) (committed - offset);
            if (skip < chunk.length) stored.write(chunk, skip, chunk.length - skip);
            if (replyLost) {
                replyLost = false;
                throw new IOException("answer lost after the server committed");
            }
            return new LogAppendResponse(stored.size(), false);
        }

        synchronized String text() {
            return stored.toString(StandardCharsets.UTF_8);
        }

        @Override
        public HeartbeatResponse heartbeat(String j, String t) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public void complete(String j, String t, CompleteRequest r) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public ArtifactView uploadArtifact(String j, String t, String n, Path z) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public List<ArtifactView> artifacts(String j, String t) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public void downloadArtifact(String j, String t, String n, Path to) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public Optional<CacheEntry> cacheLookup(String j, String t, String k, List<String> r, String v) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public void cacheDownload(String j, String t, String k, String v, Path to) {
            throw new UnsupportedOperationException("not used by the log spool");
        }

        @Override
        public CacheEntry cacheSave(String j, String t, String k, String v, Path a) {
            throw new UnsupportedOperationException("not used by the log spool");
        }
    }

    static Backoff fastBackoff() {
        return new Backoff(
                Duration.ofMillis(1), Duration.ofMillis(20), RandomGenerator.getDefault(), Backoff.Sleeper.REAL);
    }

    @Test
    void everyByteArrivesExactlyOnceAcrossOutagesAndLostAnswers() throws Exception {
        InMemoryLogServer server = new InMemoryLogServer();
        StringBuilder expected = new StringBuilder();
        try (LogSpool spool =
                new LogSpool(dir.resolve("spool/j.log"), LogSink.direct(server), "j", 1, "rwj_t", fastBackoff())) {
            for (int i = 0; i < 2000; i++) {
                if (i == 500) server.downFor.set(5);
                if (i == 1200) server.replyLost = true;
                String line = "line " + i + "\n";
                expected.append(line);
                spool.line(line.strip());
            }
            assertThat(spool.finish(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(server.text()).isEqualTo(expected.toString());
    }

    @Test
    void largeOutputIsSentInChunks() throws Exception {
        InMemoryLogServer server = new InMemoryLogServer();
        byte[] big = new byte[LogSpool.CHUNK * 3 + 17];
        java.util.Arrays.fill(big, (byte) 'x');
        try (LogSpool spool =
                new LogSpool(dir.resolve("spool/big.log"), LogSink.direct(server), "j", 1, "rwj_t", fastBackoff())) {
            spool.write(big, 0, big.length);
            assertThat(spool.finish(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(server.stored.size()).isEqualTo(big.length);
        assertThat(server.calls.get()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theSpoolFileIsRemovedWhenClosed() throws Exception {
        Path f = dir.resolve("spool/gone.log");
        try (LogSpool spool =
                new LogSpool(f, LogSink.direct(new InMemoryLogServer()), "j", 1, "rwj_t", fastBackoff())) {
            spool.line("x");
            spool.finish(Duration.ofSeconds(10));
        }
        assertThat(f).doesNotExist();
    }

    /** A real, small file system to fill: a tmpfs (needs root; CI runs as root and must be able to). */
    Path fullDisk() throws Exception {
        Path mnt = java.nio.file.Files.createDirectories(dir.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString())
                .redirectErrorStream(true)
                .start();
        boolean ok = mount.waitFor() == 0;
        if (!ok && "true".equals(System.getenv("CI")))
            throw new AssertionError("cannot mount a tmpfs: "
                    + new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assumptions.assumeTrue(ok, "cannot mount a tmpfs here (not root)");
        mounted = mnt;
        byte[] chunk = new byte[64 * 1024];
        try (var out = java.nio.file.Files.newOutputStream(mnt.resolve("filler"))) {
            while (true) out.write(chunk);
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("No space left on device");
        }
        return mnt;
    }

    Path mounted;

    @org.junit.jupiter.api.AfterEach
    void unmount() throws Exception {
        if (mounted != null)
            new ProcessBuilder("umount", "-l", mounted.toString()).start().waitFor();
    }

    /** With the agent's disk full the job goes on: its log is held in memory and arrives byte-exact. */
    @Test
    void withTheDiskFullTheLogIsHeldInMemoryAndArrivesExactly() throws Exception {
        Path disk = fullDisk();
        InMemoryLogServer server = new InMemoryLogServer();
        StringBuilder expected = new StringBuilder();
        try (LogSpool spool =
                new LogSpool(disk.resolve("j.log"), LogSink.direct(server), "j", 1, "rwj_t", fastBackoff())) {
            for (int i = 0; i < 20_000; i++) { // about 390 KiB: far more than the full disk could take
                if (i == 5_000) server.downFor.set(3);
                String line = "line " + i + " of a job whose agent's disk is full\n";
                expected.append(line);
                spool.line(line.strip());
            }
            assertThat(spool.finish(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(server.text()).isEqualTo(expected.toString());
    }

    /**
     * Memory is bounded: with the disk full and the control plane down, output waits once {@link LogSpool.MAX_MEMORY}
     * bytes are unacknowledged, and goes on, losing nothing, when the control plane is back.
     */
    @Test
    void withTheDiskFullAndTheControlPlaneDownOutputWaitsAtTheMemoryBound() throws Exception {
        Path disk = fullDisk();
        InMemoryLogServer server = new InMemoryLogServer();
        server.downFor.set(Integer.MAX_VALUE);
        byte[] piece = new byte[LogSpool.CHUNK];
        java.util.Arrays.fill(piece, (byte) 'y');
        int pieces = LogSpool.MAX_MEMORY / LogSpool.CHUNK + 8;
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        try (LogSpool spool =
                new LogSpool(disk.resolve("j.log"), LogSink.direct(server), "j", 1, "rwj_t", fastBackoff())) {
            Thread job = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < pieces; i++) {
                    spool.write(piece, 0, piece.length);
                    written.incrementAndGet();
                }
            });
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> written.get() == LogSpool.MAX_MEMORY / LogSpool.CHUNK);
            org.awaitility.Awaitility.await()
                    .during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> written.get() == LogSpool.MAX_MEMORY / LogSpool.CHUNK);
            server.downFor.set(0);
            job.join(Duration.ofSeconds(30));
            assertThat(written.get()).isEqualTo(pieces);
            assertThat(spool.finish(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(server.stored.size()).isEqualTo((long) pieces * LogSpool.CHUNK);
    }
}
