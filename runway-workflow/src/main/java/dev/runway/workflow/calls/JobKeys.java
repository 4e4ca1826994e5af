package dev.runway.workflow.calls;

import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Workflow;
import org.jspecify.annotations.Nullable;

/**
 * The keys and names of the jobs a call expands into. A job of a called workflow is keyed {@code caller/job}
 * ({@code caller[2]/job} in leg 2 of a caller with a matrix; {@code a/b/job} when {@code b} calls again) and named
 * {@code caller / job} ({@code caller (x, y) / job}), as GitHub shows it. Job ids are letters, digits, {@code -} and
 * {@code _}, so a key never reads two ways.
 */
public final class JobKeys {
    /** The key of one leg of a call: the caller's key, with the leg's index when the caller has a matrix. */
    public static String leg(String callerKey, Job caller, int index) {
        return caller.strategy() == null ? callerKey : callerKey + "[" + index + "]";
    }

    /** The prefix of the keys of the callee's jobs in one leg of a call. */
    public static String prefix(String legKey) {
        return legKey + "/";
    }

    /** The display name of a callee job: the caller's (leg's) name, then the job's. */
    public static String name(String legName, String jobName) {
        return legName + " / " + jobName;
    }

    /** Whether {@code key} is {@code callerKey} itself or a key inside it (one of its legs, or a job of a leg). */
    public static boolean within(String callerKey, @Nullable String key) {
        if (key == null || !key.startsWith(callerKey)) return false;
        if (key.length() == callerKey.length()) return true;
        char next = key.charAt(callerKey.length());
        return next == '/' || next == '[';
    }

    /** Whether {@code key} belongs to the leg {@code legKey}: its failure before it started, or one of its jobs. */
    public static boolean inLeg(String legKey, @Nullable String key) {
        return key != null && (key.equals(legKey) || key.startsWith(legKey + "/"));
    }

    /** A job and the workflow it is in, found by its key. */
    public record Found(Workflow workflow, Job job, String prefix) {}

    /**
     * The job a key names in {@code top} and the called workflows under it (a leg index in the key is skipped);
     * null when the workflow has no such job or a call on the way has no callee.
     */
    public static @Nullable Found find(Workflow top, String key) {
        Workflow wf = top;
        String prefix = "";
        String rest = key;
        while (true) {
            int slash = rest.indexOf('/');
            String seg = slash < 0 ? rest : rest.substring(0, slash);
            String id = seg.contains("[") ? seg.substring(0, seg.indexOf('[')) : seg;
            Job j = wf.jobs().get(id);
            if (j == null) return null;
            if (slash < 0) return seg.equals(id) ? new Found(wf, j, prefix) : null;
            if (j.call() == null || j.call().callee() == null) return null;
            prefix = prefix + seg + "/";
            wf = j.call().callee();
            rest = rest.substring(slash + 1);
        }
    }

    private JobKeys() {}
}
