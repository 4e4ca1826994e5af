package dev.runway.agent.isolation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Signals whole process groups. Every step runs as the leader of its own session (started through
 * {@code setsid}), so its pid is also its group id and one signal reaches everything it started, even children
 * that were re-parented when an intermediate shell exited.
 */
public final class ProcessGroups {
    public static final Duration TERM_GRACE = Duration.ofSeconds(2);

    /** SIGTERM to the group, then SIGKILL to it and to any known descendant that is still alive after the grace. */
    public static void kill(long pgid, List<ProcessHandle> knownDescendants) {
        signal(pgid, "TERM");
        long deadline = System.nanoTime() + TERM_GRACE.toNanos();
        while (System.nanoTime() < deadline && groupAlive(pgid, knownDescendants)) {
            try {
                Thread.sleep(50); // polling the process table, not synchronising threads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        signal(pgid, "KILL");
        knownDescendants.forEach(ProcessHandle::destroyForcibly);
    }

    static boolean groupAlive(long pgid, List<ProcessHandle> known) {
        return ProcessHandle.of(pgid).map(ProcessHandle::isAlive).orElse(false)
                || known.stream().anyMatch(ProcessHandle::isAlive)
                || signal(pgid, "0");
    }

    /** Sends {@code kill -SIG -- -pgid}; true if the group existed. */
    public static boolean signal(long pgid, String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-" + sig, "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ProcessGroups() {}
}
