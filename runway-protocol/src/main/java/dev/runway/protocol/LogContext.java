package dev.runway.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The ids a log line concerns, as MDC keys that the JSON log format writes as fields ({@code run_id}, {@code
 * job_id}, {@code attempt}, {@code runner_id}). A scope puts its keys for the current thread and puts back what was
 * there before when closed:
 *
 * <pre>{@code
 * try (var ignored = LogContext.job(jobId, attempt)) { log.info("job claimed"); }
 * }</pre>
 *
 * A null value removes the key for the scope. MDC is per thread: work handed to another thread takes the current
 * keys along with {@link #wrap(Runnable)}.
 */
public final class LogContext implements AutoCloseable {
    public static final String RUN_ID = "run_id";
    public static final String JOB_ID = "job_id";
    public static final String ATTEMPT = "attempt";
    public static final String RUNNER_ID = "runner_id";

    private final List<String[]> previous; // key, value before the scope (null: absent)

    private LogContext(List<String[]> previous) {
        this.previous = previous;
    }

    /** Puts {@code key, value, key, value, ...} (null values remove) until {@link #close()}. */
    public static LogContext with(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) throw new IllegalArgumentException("keys and values must pair up");
        List<String[]> previous = new ArrayList<>(keysAndValues.length / 2);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = keysAndValues[i];
            String value = keysAndValues[i + 1];
            previous.add(new String[] {key, MDC.get(key)});
            if (value == null) MDC.remove(key);
            else MDC.put(key, value);
        }
        return new LogContext(previous);
    }

    /** One attempt of a job. */
    public static LogContext job(String jobId, int attempt) {
        return with(JOB_ID, jobId, ATTEMPT, Integer.toString(attempt));
    }

    /** A runner. */
    public static LogContext runner(String runnerId) {
        return with(RUNNER_ID, runnerId);
    }

    /** A workflow run (a null id leaves the context as it is). */
    public static LogContext run(String runId) {
        return runId == null ? with() : with(RUN_ID, runId);
    }

    /** {@code task} with this thread's current keys, for running on another thread. */
    public static Runnable wrap(Runnable task) {
        Map<String, String> captured = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> before = MDC.getCopyOfContextMap();
            if (captured == null) MDC.clear();
            else MDC.setContextMap(captured);
            try {
                task.run();
            } finally {
                if (before == null) MDC.clear();
                else MDC.setContextMap(before);
            }
        };
    }

    @Override
    public void close() {
        for (int i = previous.size() - 1; i >= 0; i--) {
            String[] p = previous.get(i);
            if (p[1] == null) MDC.remove(p[0]);
            else MDC.put(p[0], p[1]);
        }
    }
}
