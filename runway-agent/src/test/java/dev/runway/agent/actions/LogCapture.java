package dev.runway.agent.actions;

import dev.runway.agent.exec.Executor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A job's log kept in memory for a test's assertions; steps write to it from their own threads. */
final class LogCapture implements Executor.Output {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
    }

    /** Everything written so far. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Forgets what was written (between runs of one test). */
    synchronized void reset() {
        bytes.reset();
    }
}
