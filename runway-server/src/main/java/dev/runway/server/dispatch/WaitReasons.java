package dev.runway.server.dispatch;

import dev.runway.server.store.RunnerRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Why a queued job waits, in words a user can act on (GitLab says "no runner matches"; a job queued for minutes with
 * no word is the first-day trap): no runner has its labels (and which labels the runners have), the runners that have
 * them are offline or unhealthy, or all of them are busy. One snapshot of the fleet serves every job of a request.
 */
public final class WaitReasons {
    /** At most this many distinct label sets are listed when no runner has a job's labels. */
    static final int MAX_LABEL_SETS = 5;

    private record Runner(String name, Set<String> labels, String state, int running, int slots) {}

    private final List<Runner> runners;

    private WaitReasons(List<Runner> runners) {
        this.runners = runners;
    }

    /**
     * The fleet now: {@code runners} (deleted ones are left out), {@code running} attempts by runner id, and when a
     * runner counts as offline.
     */
    public static WaitReasons of(
            List<RunnerRecord> runners, Map<String, Integer> running, long now, long offlineAfterMillis) {
        List<Runner> out = new ArrayList<>();
        for (RunnerRecord r : runners) {
            if (r.deleted()) continue;
            int n = running.getOrDefault(r.id(), 0);
            out.add(new Runner(r.name(), r.labels(), r.state(n, now, offlineAfterMillis), n, r.slots()));
        }
        return new WaitReasons(out);
    }

    /** The fleet as {@code runners} has it now, read at the first call only (once per request, however many jobs). */
    public static java.util.function.Supplier<WaitReasons> lazily(
            dev.runway.server.store.RunnerStore runners, long now, long offlineAfterMillis) {
        WaitReasons[] once = new WaitReasons[1];
        return () -> {
            if (once[0] == null) once[0] = of(runners.list(), runners.runningCounts(), now, offlineAfterMillis);
            return once[0];
        };
    }

    /** Why a queued job with these (normalised) labels waits. */
    public String why(Set<String> labels) {
        List<Runner> matching = new ArrayList<>();
        for (Runner r : runners) if (r.labels().containsAll(labels)) matching.add(r);
        String wanted = labels.isEmpty() ? "any labels" : "labels " + String.join(", ", new TreeSet<>(labels));
        if (matching.isEmpty()) {
            if (runners.isEmpty())
                return "no runner is registered: start one with `runway agent` (needs " + wanted + ")";
            // the label sets closest to the job's first: those sharing the most of its labels
            List<Runner> closest = new ArrayList<>(runners);
            closest.sort(java.util.Comparator.comparingLong(
                    (Runner r) -> -r.labels().stream().filter(labels::contains).count()));
            Set<String> sets = new LinkedHashSet<>();
            for (Runner r : closest) sets.add("[" + String.join(", ", new TreeSet<>(r.labels())) + "]");
            List<String> shown = new ArrayList<>(sets).subList(0, Math.min(MAX_LABEL_SETS, sets.size()));
            return "no runner has " + wanted + "; the runners have " + String.join(" ", shown)
                    + (sets.size() > shown.size() ? " and " + (sets.size() - shown.size()) + " more label sets" : "");
        }
        List<Runner> up = new ArrayList<>();
        List<String> down = new ArrayList<>();
        for (Runner r : matching) {
            if (r.state().equals("offline") || r.state().equals("unhealthy")) down.add(r.name() + " " + r.state());
            else up.add(r);
        }
        if (up.isEmpty())
            return "every runner with " + wanted + " is offline or unhealthy (" + String.join(", ", down)
                    + "): see `runway runners`";
        int slots = 0, used = 0;
        for (Runner r : up) {
            slots += r.slots();
            used += Math.min(r.running(), r.slots());
        }
        if (used >= slots)
            return "all " + up.size() + " runner(s) with " + wanted + " are busy (" + used + " of " + slots
                    + " slots in use)";
        return "a runner with " + wanted + " has a free slot: it takes the job at its next poll";
    }
}
