package dev.runway.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's lease watchdog outside its own JVM. {@link AttemptLease} stops an unrenewed attempt from inside the
 * agent, which a frozen agent (SIGSTOP, a stopped VM, a debugger, a swap storm) cannot do while its steps run on;
 * and a killed agent leaves its steps running as orphans. So the agent keeps a small bash process of its own (in
 * its own session) and tells it, every {@link #TICK}, how long its running attempts may go on unrenewed
 * ({@code <seconds>}, or {@code idle}). When that time passes with no word from the agent, the process stops
 * (SIGTERM, SIGKILL 2 s later) every process group the agent's child processes lead — each step leads its own — and
 * when the agent is gone (its end of the pipe closed), it does the same at once, for the groups it saw a moment
 * before. So exclusivity by time holds when the agent's JVM does not run. Containers (the container executor's
 * jobs, Docker actions, service containers) run in the engine, not as the agent's children: given the engine's Unix
 * socket and the agent's label, the switch asks the engine (with curl) for the containers labelled with this agent
 * and kills them too (SIGTERM, SIGKILL 2 s later); the agent, or its next start, removes them.
 */
final class DeadMansSwitch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeadMansSwitch.class);

    /** How often the agent speaks; also how stale the switch's picture of the agent's children may be. */
    static final Duration TICK = Duration.ofSeconds(1);

    /**
     * How much later than the agent's own watchdog the switch fires: the agent, when it runs, stops the attempt
     * first and says why in its log; the switch is the backstop. Within the lease's margin (at least 4 s of the
     * shortest lease, 5 s of the others) with the 2 s between SIGTERM and SIGKILL.
     */
    static final Duration AFTER_AGENT = Duration.ofSeconds(1);

    /** The switch; builtins only in its loop (no process per thread of the agent each second). */
    static final String SCRIPT = """
            agent=$1; marker=$2; sock=$3; key=$4; t=; groups=
            curl=; [ -n "$sock" ] && [ -x /usr/bin/curl ] && curl=/usr/bin/curl
            snapshot() {
              groups=
              for f in /proc/"$agent"/task/*/children; do
                kids=()
                read -r -a kids 2>/dev/null < "$f"
                for c in "${kids[@]}"; do
                  [ "$c" = "$$" ] && continue
                  st=
                  read -r st 2>/dev/null < /proc/"$c"/stat || continue
                  set -- ${st##*) }
                  [ "$3" = "$c" ] && groups="$groups $c"
                done
              done
            }
            # the running containers labelled with this agent (asked only when stopping: no process per second)
            containers() {
              [ -n "$curl" ] && [ -S "$sock" ] || return 0
              "$curl" -fsS --max-time 5 --unix-socket "$sock" -G http://d/containers/json \\
                --data-urlencode "filters={\\"label\\":[\\"runway.agent=$key\\"]}" 2>/dev/null \\
                | grep -o '"Id": *"[0-9a-f]*"' | grep -o '[0-9a-f]\\{12,\\}'
            }
            signal() {
              for c in $ctrs; do
                "$curl" -fsS --max-time 5 --unix-socket "$sock" -X POST "http://d/containers/$c/kill?signal=$1" \\
                  >/dev/null 2>&1 &
              done
              wait
            }
            stop() {
              ctrs=$(containers)
              [ -z "$groups" ] && [ -z "$ctrs" ] && return
              echo "runway: $1: stopping the agent's steps (process groups$groups; containers" $ctrs")" >&2
              # first the marker, then the kill: an attempt that sees its step die finds the marker already there
              printf '%s\\n' "$EPOCHREALTIME" > "$marker.tmp" && mv -f "$marker.tmp" "$marker"
              echo stopped
              for g in $groups; do kill -TERM -- -"$g" 2>/dev/null; done
              signal SIGTERM
              sleep 2
              for g in $groups; do kill -KILL -- -"$g" 2>/dev/null; done
              signal SIGKILL
            }
            while :; do
              if [ -n "$t" ]; then IFS= read -r -t "$t" line; rc=$?; else IFS= read -r line; rc=$?; fi
              if [ "$rc" -gt 128 ]; then snapshot; stop "no word from agent $agent for $t s (frozen?)"; t=; continue; fi
              if [ "$rc" -ne 0 ]; then stop "agent $agent is gone"; exit 0; fi
              case "$line" in idle) t= ;; *) t=$line ;; esac
              snapshot
            done
            """;

    /** The engine the agent's containers run in, and the value of their {@code runway.agent} label. */
    record Containers(Path socket, String agentKey) {}

    private final Process process;
    /** Written (wall clock, seconds) by the switch each time it stops the steps, before it does. */
    private final Path marker;

    private final OutputStream pipe;
    private final LongSupplier remainingNanos;
    private final Thread ticker;
    private volatile boolean failed;
    private volatile int said;

    private DeadMansSwitch(Process process, Path marker, LongSupplier remainingNanos, Runnable stopped) {
        this.process = process;
        this.marker = marker;
        this.pipe = process.getOutputStream();
        this.remainingNanos = remainingNanos;
        this.ticker = LeaseThreads.start("dead-mans-switch", this::tickLoop);
        Thread.ofVirtual().name("dead-mans-switch-reader").start(() -> readLoop(stopped));
    }

    /**
     * The switch says {@code stopped} when it has stopped the steps: every attempt running then may have lost its
     * steps, so none of them may report a result (it would be the result of a killed step).
     */
    private void readLoop(Runnable stopped) {
        try (var in = new java.io.BufferedReader(
                new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) if (line.equals("stopped")) stopped.run();
        } catch (IOException e) {
            // the switch is gone: nothing more to hear
        }
    }

    /**
     * Starts the switch for this JVM; {@code remainingNanos} answers how long the running attempts may go on
     * unrenewed (the soonest deadline; {@link Long#MAX_VALUE} when none runs); {@code stopped} runs when the switch
     * has stopped the steps (the agent was late to speak: it ran, but too slowly). Null when bash cannot be started:
     * the agent then runs with its in-process watchdog only, and says so.
     */
    static DeadMansSwitch start(
            Path marker, LongSupplier remainingNanos, Runnable stopped, @Nullable Containers containers) {
        return start(ProcessHandle.current().pid(), marker, remainingNanos, stopped, containers);
    }

    /** As {@link #start(Path, LongSupplier, Runnable, Containers)}, for processes only. */
    static DeadMansSwitch start(long agentPid, Path marker, LongSupplier remainingNanos, Runnable stopped) {
        return start(agentPid, marker, remainingNanos, stopped, null);
    }

    /**
     * As {@link #start(Path, LongSupplier, Runnable, Containers)}, watching the children of process {@code agentPid}
     * (and the containers of {@code containers}, when not null).
     */
    static DeadMansSwitch start(
            long agentPid,
            Path marker,
            LongSupplier remainingNanos,
            Runnable stopped,
            @Nullable Containers containers) {
        if (containers != null && !Files.isExecutable(Path.of("/usr/bin/curl")))
            log.warn("no /usr/bin/curl: the out-of-process lease watchdog cannot stop this agent's containers if the"
                    + " agent freezes (apt-get install curl)");
        String bash = program("bash");
        String setsid = program("setsid");
        try {
            ProcessBuilder pb = new ProcessBuilder(
                            setsid,
                            bash,
                            "-c",
                            SCRIPT,
                            "runway-dead-mans-switch",
                            Long.toString(agentPid),
                            marker.toString(),
                            containers == null ? "" : containers.socket().toString(),
                            containers == null ? "" : containers.agentKey())
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            return new DeadMansSwitch(pb.start(), marker, remainingNanos, stopped);
        } catch (IOException e) {
            log.warn(
                    "cannot start the out-of-process lease watchdog ({}): a frozen agent's steps would run on past their"
                            + " lease",
                    e.getMessage());
            return null;
        }
    }

    /** The program in the system directories (never the job's PATH), or its bare name. */
    private static String program(String name) {
        for (String dir : new String[] {"/usr/bin", "/bin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) return p.toString();
        }
        return name;
    }

    /** What the agent says now: the seconds its attempts may go on unrenewed, plus {@link #AFTER_AGENT}. */
    static String word(long remainingNanos) {
        if (remainingNanos == Long.MAX_VALUE) return "idle";
        double seconds = Math.max(0, remainingNanos) / 1e9 + AFTER_AGENT.toMillis() / 1e3;
        return String.format(Locale.ROOT, "%.1f", seconds);
    }

    private void tickLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            say(word(remainingNanos.getAsLong()));
            try {
                Thread.sleep(TICK);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void say(String word) {
        if (failed) return;
        try {
            pipe.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
            said++;
        } catch (IOException e) {
            failed = true;
            log.warn("the out-of-process lease watchdog is gone ({}); the in-process one remains", e.getMessage());
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * True when the switch has stopped the steps at or after {@code epochMillis} (wall clock): an attempt started
     * before then may have had its step killed, so its result is not its own. Read from the marker the switch writes
     * before it kills, so a step's death is never seen before the marker.
     */
    boolean stoppedSince(long epochMillis) {
        try {
            String t = Files.readString(marker).strip();
            return Math.round(Double.parseDouble(t) * 1000) >= epochMillis;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** How many words the agent has said (for tests). */
    int said() {
        return said;
    }

    /** The agent falls silent as a frozen one would (for tests: the ticker stops; the switch runs on). */
    void silence() {
        ticker.interrupt();
    }

    /** The agent's end of the pipe closes as a killed agent's would (for tests). */
    void cutPipe() throws IOException {
        ticker.interrupt();
        synchronized (this) {
            failed = true;
            pipe.close();
        }
    }

    /** Stops ticking and ends the switch: with no attempt running, it has nothing to stop. */
    @Override
    public void close() {
        ticker.interrupt();
        say("idle");
        process.destroy();
    }
}
