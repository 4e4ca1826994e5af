package dev.runway.agent.isolation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Signals whole process groups. Every step runs as the leader of its own session (spawned with {@code
 * POSIX_SPAWN_SETSID}, or started through {@code setsid} where the agent cannot spawn natively), so its pid is also
 * its group id and one signal reaches everything it started, even children that were re-parented when an
 * intermediate shell exited. The signal is a {@code kill(2)} call of the agent itself ({@link StepSpawner}); only
 * without native access does it start the {@code kill} program.
 */
public final class ProcessGroups {
    public static final Duration TERM_GRACE = Duration.ofSeconds(2);

    /** The {@code setsid} program by absolute path: what makes a process the leader of its own group. */
    public static String setsid() {
        return HostPrograms.SETSID;
    }

    /** SIGTERM to the group, then SIGKILL to it and to any known descendant that is still alive after the grace. */
    public static void kill(long pgid, List<ProcessHandle> knownDescendants) {
        kill(pgid, knownDescendants, StepSpawner.available());
    }

    /** As {@link #kill(long, List)}, with {@code kill(2)} through {@code spawner}, or the program when null. */
    static void kill(long pgid, List<ProcessHandle> knownDescendants, StepSpawner spawner) {
        signal(pgid, "TERM", spawner);
        long deadline = System.nanoTime() + TERM_GRACE.toNanos();
        while (System.nanoTime() < deadline && groupAlive(pgid, knownDescendants, spawner)) {
            try {
                Thread.sleep(50); // polling the process table, not synchronising threads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        signal(pgid, "KILL", spawner);
        knownDescendants.forEach(ProcessHandle::destroyForcibly);
    }

    static boolean groupAlive(long pgid, List<ProcessHandle> known, StepSpawner spawner) {
        return ProcessHandle.of(pgid).map(ProcessHandle::isAlive).orElse(false)
                || known.stream().anyMatch(ProcessHandle::isAlive)
                || signal(pgid, "0", spawner);
    }

    /** Sends SIG{@code sig} ({@code TERM}, {@code KILL}, or {@code 0}) to group {@code pgid}; true if it existed. */
    public static boolean signal(long pgid, String sig) {
        return signal(pgid, sig, StepSpawner.available());
    }

    static boolean signal(long pgid, String sig, StepSpawner spawner) {
        if (pgid <= 1) return false; // -1 would be every process the agent may signal: never a step's group
        if (spawner != null) return spawner.signal(-pgid, number(sig));
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

    private static int number(String sig) {
        return switch (sig) {
            case "0" -> 0;
            case "TERM" -> 15;
            case "KILL" -> 9;
            default -> throw new IllegalArgumentException("unknown signal " + sig);
        };
    }

    private ProcessGroups() {}
}
