package dev.runway.scaler;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The scaling rule, as a pure function so every branch is tested without processes or time passing: start runners
 * when queued jobs exceed the runners that could take them (idle and starting), up to {@code max} in all; keep
 * {@code min-idle} ready; stop runners idle longer than {@code idle-timeout} beyond that; a drained pool starts
 * nothing and stops its idle runners. The reason says which numbers decided, for {@code runway pools}.
 */
public final class Decider {
    /** An idle runner: its instance name and since when it has been idle. {@code stopping}: instances exiting. */
    public record Idle(String instance, Instant since) {}

    public record Inputs(
            int queued,
            List<Idle> idle,
            int starting,
            int busy,
            int stopping,
            int minIdle,
            int max,
            Duration idleTimeout,
            boolean draining,
            Instant now) {}

    /** {@code start} new instances; {@code stop} these idle ones (most idle first). */
    public record Decision(int start, List<String> stop, String summary, String reason) {
        public boolean changes() {
            return start > 0 || !stop.isEmpty();
        }
    }

    public static Decision decide(Inputs in) {
        int idle = in.idle().size();
        // instances on their way out still hold their resources: they count against max until they are gone
        int total = idle + in.starting() + in.busy() + in.stopping();
        String counts = in.queued() + " queued, " + idle + " idle, " + in.starting() + " starting, " + in.busy()
                + " busy" + (in.stopping() > 0 ? ", " + in.stopping() + " stopping" : "");
        if (in.draining()) {
            List<String> stop = in.idle().stream().map(Idle::instance).toList();
            return new Decision(
                    0,
                    stop,
                    stop.isEmpty() ? "drained" : "stop " + stop.size(),
                    "the pool is drained: no new runners; " + counts + (in.busy() > 0 ? " (busy ones finish)" : ""));
        }
        int ready = idle + in.starting();
        int wanted = in.queued() + in.minIdle();
        if (wanted > ready) {
            int room = Math.max(0, in.max() - total);
            int start = Math.min(wanted - ready, room);
            String why = counts + "; " + in.queued() + " queued + min-idle " + in.minIdle() + " = " + wanted
                    + " needed, " + ready + " available";
            if (start == 0) return new Decision(0, List.of(), "at max", why + "; already at max " + in.max());
            return new Decision(
                    start,
                    List.of(),
                    "start " + start,
                    why + (start < wanted - ready ? "; capped by max " + in.max() : ""));
        }
        int surplus = Math.min(ready - wanted, idle);
        List<String> stop = in.idle().stream()
                .filter(i -> !i.since().plus(in.idleTimeout()).isAfter(in.now()))
                .sorted(Comparator.comparing(Idle::since))
                .limit(surplus)
                .map(Idle::instance)
                .toList();
        if (!stop.isEmpty())
            return new Decision(
                    0,
                    stop,
                    "stop " + stop.size(),
                    counts + "; " + stop.size() + " idle for over " + human(in.idleTimeout()) + " beyond min-idle "
                            + in.minIdle());
        return new Decision(0, List.of(), "steady", counts + "; min-idle " + in.minIdle() + ", max " + in.max());
    }

    static String human(Duration d) {
        if (d.toMillis() % 60_000 == 0) return d.toMinutes() + "m";
        if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
        return d.toMillis() + "ms";
    }

    private Decider() {}
}
