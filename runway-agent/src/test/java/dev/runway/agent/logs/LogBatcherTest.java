package dev.runway.agent.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.Json;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RunnerHealth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The joined log upload against an in-memory stand-in of the control plane's batched route (offset and ownership
 * rules as the real one, which {@code HttpApiTest} and the end-to-end suite exercise).
 */
class LogBatcherTest {
    @TempDir
    Path dir;

    /** The batched route in memory: per-job logs, calls that can be held, fail, or lose their answers. */
    static final class BatchServer implements RunnerCalls {
        final Map<String, ByteArrayOutputStream> logs = new HashMap<>();
        final List<Integer> callSizes = new CopyOnWriteArrayList<>();
        final List<String> credentials = new CopyOnWriteArrayList<>();
        final AtomicInteger failEvery = new AtomicInteger();
        final AtomicInteger loseEvery = new AtomicInteger();
        /** When set, every call waits for a permit. */
        volatile Semaphore gate;
        /** Jobs not (any more) running on this runner. */
        final List<String> stale = new CopyOnWriteArrayList<>();

        volatile boolean old;
        /** How long a call takes (a network and a database): chunks handed over meanwhile join the next call. */
        volatile long latencyMillis;

        @Override
        public LogBatch.Answer appendLogs(String credential, LogBatch batch) throws IOException, InterruptedException {
            if (old) throw new ServerException(404, "not_found", "no such route", null);
            Semaphore g = gate;
            if (g != null) g.acquire();
            if (latencyMillis > 0) Thread.sleep(latencyMillis);
            int call = callSizes.size() + 1;
            callSizes.add(batch.chunks().size());
            credentials.add(credential);
            if (failEvery.get() > 0 && call % failEvery.get() == 0) throw new ConnectException("connection refused");
            List<LogBatch.Ack> acks = new ArrayList<>();
            synchronized (this) {
                for (LogBatch.Chunk c : batch.chunks()) {
                    if (stale.contains(c.jobId())) {
                        acks.add(new LogBatch.Ack(c.jobId(), c.attempt(), LogBatch.Status.STALE, 0, false));
                        continue;
                    }
                    ByteArrayOutputStream log = logs.computeIfAbsent(c.jobId(), k -> new ByteArrayOutputStream());
                    long committed = log.size();
                    if (c.offset() > committed) {
                        acks.add(new LogBatch.Ack(c.jobId(), c.attempt(), LogBatch.Status.GAP, committed, false));
                        continue;
                    }
                    int skip = (int) (committed - c.offset());
                    if (skip < c.data().length) log.write(c.data(), skip, c.data().length - skip);
                    acks.add(new LogBatch.Ack(c.jobId(), c.attempt(), LogBatch.Status.APPENDED, log.size(), false));
                }
            }
            if (loseEvery.get() > 0 && call % loseEvery.get() == 0)
                throw new IOException("answer lost after the control plane committed");
            return new LogBatch.Answer(acks);
        }

        synchronized String text(String jobId) {
            ByteArrayOutputStream b = logs.get(jobId);
            return b == null ? "" : b.toString(StandardCharsets.UTF_8);
        }

        @Override
        public RegisterResponse register(RegisterRequest r) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public Optional<Assignment> poll(String c, int w) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public LeaseRenewal.Answer renewLeases(String c, LeaseRenewal r) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public void deregister(String c) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public void release(String c) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public RegisterResponse.Rotated rotateCredential(String c) {
            throw new UnsupportedOperationException("not used by the log upload");
        }

        @Override
        public void health(String c, RunnerHealth h) {
            throw new UnsupportedOperationException("not used by the log upload");
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void chunksHandedOverWhileACallIsOutGoTogetherInTheNextCall() throws Exception {
        BatchServer server = new BatchServer();
        server.gate = new Semaphore(0);
        LogBatcher batcher = new LogBatcher(server, new LogSpoolTest.InMemoryLogServer(), () -> "rwr_now");
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            Future<LogAppendResponse> first = threads.submit(() -> batcher.append("j0", 1, "rwj_0", 0, bytes("zero")));
            await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 0 && server.gate.hasQueuedThreads());
            List<Future<LogAppendResponse>> rest = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                String job = "j" + i;
                rest.add(threads.submit(() -> batcher.append(job, 2, "rwj_" + job, 0, bytes("line of " + job))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 10);
            server.gate.release(2);
            assertThat(first.get().committed()).isEqualTo(4);
            for (int i = 1; i <= 10; i++)
                assertThat(rest.get(i - 1).get().committed()).isEqualTo(("line of j" + i).length());
        }
        assertThat(server.callSizes).containsExactly(1, 10);
        assertThat(server.credentials).containsOnly("rwr_now");
        for (int i = 1; i <= 10; i++) assertThat(server.text("j" + i)).isEqualTo("line of j" + i);
    }

    @Test
    void eachChunkGetsItsOwnAnswerAsItsOwnUploadWould() throws Exception {
        BatchServer server = new BatchServer();
        server.stale.add("gone");
        LogBatcher batcher = new LogBatcher(server, new LogSpoolTest.InMemoryLogServer(), () -> "rwr");
        assertThat(batcher.append("j", 1, "rwj", 0, bytes("abc")).committed()).isEqualTo(3);
        assertThatThrownBy(() -> batcher.append("j", 1, "rwj", 7, bytes("x")))
                .isInstanceOfSatisfying(ServerException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.stale()).isFalse();
                    try {
                        assertThat(Json.lenient()
                                        .readValue(e.body(), LogAppendResponse.class)
                                        .committed())
                                .as("the spool resends from here")
                                .isEqualTo(3);
                    } catch (IOException io) {
                        throw new AssertionError(io);
                    }
                });
        assertThatThrownBy(() -> batcher.append("gone", 1, "rwj", 0, bytes("x")))
                .isInstanceOfSatisfying(
                        ServerException.class, e -> assertThat(e.stale()).isTrue());
        server.failEvery.set(1);
        assertThatThrownBy(() -> batcher.append("j", 1, "rwj", 3, bytes("d"))).isInstanceOf(ConnectException.class);
    }

    @Test
    void anOlderControlPlaneGetsOneUploadPerChunkWithTheAttemptsToken() throws Exception {
        BatchServer server = new BatchServer();
        server.old = true;
        LogSpoolTest.InMemoryLogServer perAttempt = new LogSpoolTest.InMemoryLogServer();
        LogBatcher batcher = new LogBatcher(server, perAttempt, () -> "rwr");
        assertThat(batcher.append("j", 1, "rwj_j", 0, bytes("one ")).committed())
                .isEqualTo(4);
        assertThat(batcher.append("j", 1, "rwj_j", 4, bytes("two")).committed()).isEqualTo(7);
        assertThat(perAttempt.text()).isEqualTo("one two");
        assertThat(perAttempt.calls.get()).isEqualTo(2);
        assertThat(server.callSizes).as("asked once, then no more").isEmpty();
    }

    /**
     * Twenty spools write at once through one batcher whose calls fail or lose their answers now and then: every
     * byte of every log arrives exactly once, in far fewer calls than chunks.
     */
    @Test
    void manySpoolsThroughOneFlakyBatchedRouteKeepEveryLogExact() throws Exception {
        BatchServer server = new BatchServer();
        server.failEvery.set(5);
        server.loseEvery.set(7);
        server.latencyMillis = 20;
        LogBatcher batcher = new LogBatcher(server, new LogSpoolTest.InMemoryLogServer(), () -> "rwr");
        int spools = 20;
        int lines = 200;
        List<LogSpool> open = new ArrayList<>();
        try {
            for (int s = 0; s < spools; s++)
                open.add(new LogSpool(
                        dir.resolve("spool/s" + s + ".log"), batcher, "s" + s, 1, "rwj", LogSpoolTest.fastBackoff()));
            try (var writers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < spools; s++) {
                    LogSpool spool = open.get(s);
                    int n = s;
                    writers.submit(() -> {
                        for (int i = 0; i < lines; i++) spool.line("spool " + n + " line " + i);
                        return null;
                    });
                }
            }
            for (LogSpool spool : open)
                assertThat(spool.finish(Duration.ofSeconds(60))).isTrue();
        } finally {
            for (LogSpool spool : open) spool.close();
        }
        for (int s = 0; s < spools; s++) {
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < lines; i++)
                expected.append("spool ").append(s).append(" line ").append(i).append('\n');
            assertThat(server.text("s" + s)).as("spool %d", s).isEqualTo(expected.toString());
        }
        int chunks = server.callSizes.stream().mapToInt(Integer::intValue).sum();
        assertThat(server.callSizes.size()).as("calls for %d chunks", chunks).isLessThan(chunks);
    }
}
