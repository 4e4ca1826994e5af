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
        try (LogSpool spool = new LogSpool(dir.resolve("spool/j.log"), server, "j", "rwj_t", fastBackoff())) {
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
        try (LogSpool spool = new LogSpool(dir.resolve("spool/big.log"), server, "j", "rwj_t", fastBackoff())) {
            spool.write(big, 0, big.length);
            assertThat(spool.finish(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(server.stored.size()).isEqualTo(big.length);
        assertThat(server.calls.get()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theSpoolFileIsRemovedWhenClosed() throws Exception {
        Path f = dir.resolve("spool/gone.log");
        try (LogSpool spool = new LogSpool(f, new InMemoryLogServer(), "j", "rwj_t", fastBackoff())) {
            spool.line("x");
            spool.finish(Duration.ofSeconds(10));
        }
        assertThat(f).doesNotExist();
    }
}
