package dev.runway.agent.logs;

import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.protocol.Json;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.LogBatch;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's log uploads, joined: every attempt's {@link LogSpool} hands its next chunk here and waits for its
 * answer, and one sender sends all chunks waiting at that moment in one {@code POST /runner/logs} with the runner
 * credential. While a call is out the next chunks gather, so the number of calls (and of the control plane's write
 * transactions) follows the round trip, not the number of attempts: 200 jobs printing twice a second were 400
 * transactions a second, and after a control-plane stall that load pushed lease renewals past the agent's margin.
 *
 * <p>A chunk's answer and failures are those of its own upload (see {@link LogSink}): the spool keeps its retry,
 * backoff and resynchronisation. A failed call fails each of its chunks, which the spools retry. A control plane
 * that predates the batched call (404) gets a call per chunk from then on, with each attempt's token.
 */
public final class LogBatcher implements LogSink {
    private static final Logger log = LoggerFactory.getLogger(LogBatcher.class);

    private final RunnerCalls runner;
    private final JobCalls jobs;
    private final Supplier<String> credential;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition waiting = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private volatile boolean perChunk;
    private Thread sender;

    public LogBatcher(RunnerCalls runner, JobCalls jobs, Supplier<String> credential) {
        this.runner = runner;
        this.jobs = jobs;
        this.credential = credential;
    }

    /** A chunk handed over, and its answer once the call that carried it returned. */
    private static final class Pending {
        final LogBatch.Chunk chunk;
        final String jobToken;
        private LogAppendResponse answer;
        private Exception failure;
        private boolean direct;
        private boolean done;

        Pending(LogBatch.Chunk chunk, String jobToken) {
            this.chunk = chunk;
            this.jobToken = jobToken;
        }
    }

    @Override
    public LogAppendResponse append(String jobId, int attempt, String jobToken, long offset, byte[] chunk)
            throws IOException, InterruptedException {
        if (perChunk) return jobs.appendLog(jobId, jobToken, offset, chunk);
        Pending p = new Pending(new LogBatch.Chunk(jobId, attempt, offset, chunk), jobToken);
        lock.lock();
        try {
            if (sender == null)
                sender = Thread.ofVirtual().name("log-batcher").start(dev.runway.protocol.LogContext.wrap(this::send));
            queue.add(p);
            waiting.signalAll();
            while (!p.done) waiting.await();
        } catch (InterruptedException e) {
            queue.remove(p); // not sent yet: nobody else will answer it; sent: its answer is dropped, as a lost one
            throw e;
        } finally {
            lock.unlock();
        }
        if (p.direct) return jobs.appendLog(jobId, jobToken, offset, chunk);
        if (p.failure instanceof IOException e) throw e;
        if (p.failure instanceof ServerException e) throw e;
        if (p.failure != null) throw new IOException(p.failure);
        return p.answer;
    }

    /** Chunks handed over and not yet in a call. */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The sender: one call at a time, with everything waiting when it starts (up to a call's limits). */
    private void send() {
        while (true) {
            List<Pending> batch;
            try {
                batch = next();
            } catch (InterruptedException e) {
                return;
            }
            try {
                sendOnce(batch);
            } catch (InterruptedException e) {
                answer(batch, p -> p.failure = e);
                return;
            } catch (RuntimeException e) { // a bug must not leave the spools waiting forever
                log.error("log upload failed", e);
                answer(batch, p -> p.failure = e);
            }
        }
    }

    private List<Pending> next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) waiting.await();
            List<Pending> batch = new ArrayList<>();
            long bytes = 0;
            while (!queue.isEmpty() && batch.size() < LogBatch.MAX_CHUNKS) {
                Pending p = queue.peek();
                if (!batch.isEmpty() && bytes + p.chunk.data().length > LogBatch.MAX_DATA_BYTES) break;
                batch.add(queue.poll());
                bytes += p.chunk.data().length;
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void sendOnce(List<Pending> batch) throws InterruptedException {
        LogBatch.Answer answer;
        try {
            answer = runner.appendLogs(
                    credential.get(),
                    new LogBatch(batch.stream().map(p -> p.chunk).toList()));
        } catch (ServerException e) {
            if (e.status() == 404) {
                log.info("the control plane takes log chunks one attempt at a time (it predates the batched call)");
                perChunk = true;
                answer(batch, p -> p.direct = true);
            } else {
                answer(batch, p -> p.failure = e);
            }
            return;
        } catch (IOException e) {
            answer(batch, p -> p.failure = e);
            return;
        }
        List<LogBatch.Ack> acks = answer.chunks();
        lock.lock();
        try {
            for (int i = 0; i < batch.size(); i++) {
                Pending p = batch.get(i);
                acknowledged(p, i < acks.size() ? acks.get(i) : null);
                p.done = true;
            }
            waiting.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A chunk's own answer, as its own upload would have had it. */
    private static void acknowledged(Pending p, LogBatch.Ack ack) {
        if (ack == null
                || ack.status() == null
                || !p.chunk.jobId().equals(ack.jobId())
                || ack.attempt() != p.chunk.attempt()) {
            p.failure = new IOException("the control plane's answer does not list this chunk");
            return;
        }
        LogAppendResponse r = new LogAppendResponse(ack.committed(), ack.truncated());
        switch (ack.status()) {
            case APPENDED -> p.answer = r;
            case GAP ->
                p.failure = new ServerException(
                        409,
                        "conflict",
                        "offset " + p.chunk.offset() + " is beyond the committed length " + ack.committed(),
                        json(r));
            case STALE ->
                p.failure = new ServerException(
                        409, "stale_attempt", "the attempt is no longer running on this runner", null);
        }
    }

    private static String json(LogAppendResponse r) {
        try {
            return Json.lenient().writeValueAsString(r);
        } catch (IOException e) {
            return null;
        }
    }

    private void answer(List<Pending> batch, java.util.function.Consumer<Pending> how) {
        lock.lock();
        try {
            for (Pending p : batch) {
                how.accept(p);
                p.done = true;
            }
            waiting.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
