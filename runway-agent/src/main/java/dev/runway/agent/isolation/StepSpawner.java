package dev.runway.agent.isolation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a step's process with one native spawn, in a new session, and signals process groups without a helper
 * process. The implementation ({@code NativeSpawn}, glibc's {@code posix_spawn} through the Foreign Function &
 * Memory API) is compiled for Java 25 ({@code src/main/java25}) while the agent runs on 21+: it is loaded by name,
 * and on a JVM without it, or a host it does not fit, {@link #available()} is null and steps start through
 * ProcessBuilder and {@code setsid} as before. The choice is made once, at the first step, and logged once.
 */
interface StepSpawner {
    /** A started process: its pid (also its session and process group id) and its output (stdout and stderr). */
    record Child(long pid, InputStream output) {}

    /**
     * Starts {@code argv} ({@code argv[0]} looked up in the agent's PATH when it has no slash, as ProcessBuilder
     * does) in {@code cwd} with exactly {@code env}, stdin on {@code /dev/null}, stdout and stderr on one pipe, no
     * other descriptor of the agent but {@code inputs}: files opened read-only at the given descriptor numbers.
     */
    Child spawn(List<String> argv, Map<String, String> env, Path cwd, Map<Integer, Path> inputs) throws IOException;

    /**
     * Waits for the end of child {@code pid} (blocking the calling thread: call it on a platform thread) and reaps
     * it; its exit code as {@link Process#exitValue()} gives it: the code, or 128 + the signal that killed it.
     */
    int waitFor(long pid) throws IOException;

    /** {@code kill(pid, sig)}: a negative pid is a process group; true if the signal could be sent. */
    boolean signal(long pid, int sig);

    /** How many processes it has spawned (tests count a step's launches with it). */
    long spawns();

    /**
     * The native spawner, or null where the agent cannot have it ({@link Load#why} says why); loaded at the first
     * call (the first step, or a kill), not when the agent starts.
     */
    static StepSpawner available() {
        return Load.Once.SPAWNER;
    }

    /** Loads the implementation once. */
    final class Load {
        private static final Logger log = LoggerFactory.getLogger(StepSpawner.class);
        static String why;

        private static StepSpawner load() {
            try {
                if ("process".equals(System.getProperty("runway.spawn")))
                    throw new UnsupportedOperationException("-Drunway.spawn=process");
                StepSpawner s = (StepSpawner) Class.forName("dev.runway.agent.isolation.NativeSpawn")
                        .getDeclaredConstructor()
                        .newInstance();
                log.info("steps start with one posix_spawn each (a new session, no helper processes)");
                return s;
            } catch (Throwable t) { // an older JVM, no FFM, no such libc function, native access denied
                Throwable cause = t instanceof java.lang.reflect.InvocationTargetException i && i.getCause() != null
                        ? i.getCause()
                        : t;
                why = cause.toString();
                log.info("steps start through ProcessBuilder and setsid: native spawning is unavailable ({})", why);
                return null;
            }
        }

        /** Initialised by the JVM on first use, once. */
        private static final class Once {
            static final StepSpawner SPAWNER = load();
        }

        private Load() {}
    }
}
