package dev.runway.server.runs;

import dev.runway.workflow.expr.Templates;
import java.util.Map;

/**
 * A {@code concurrency:} setting evaluated: the group (scoped to the repository, since GitHub's groups are per
 * repository) and whether a new member cancels the ones in progress. Null group: not in a group.
 */
public record Concurrency(String group, boolean cancelInProgress, String call) {
    public Concurrency(String group, boolean cancelInProgress) {
        this(group, cancelInProgress, null);
    }

    /**
     * The group of a calling job given to the jobs of one leg of its call ({@code legKey}): they never cancel one
     * another ({@link #sameCall}), they cancel or wait for other calls' jobs.
     */
    Concurrency forCall(String legKey) {
        return new Concurrency(group, cancelInProgress, legKey);
    }

    /** Whether a job of the group ({@code runId}, {@code jobKey}) is of the same call as the one this starts. */
    boolean sameCall(String thisRun, String runId, String jobKey) {
        return call != null && thisRun.equals(runId) && dev.runway.workflow.calls.JobKeys.inLeg(call, jobKey);
    }

    /** {@code setting} as parsed (a string, or a mapping with group and cancel-in-progress); null if none. */
    static Concurrency of(Object setting, String scope, Templates.Scope contexts) {
        if (setting == null) return null;
        Object groupTemplate = setting instanceof Map<?, ?> m ? m.get("group") : setting;
        Object cancel = setting instanceof Map<?, ?> m ? m.get("cancel-in-progress") : null;
        String group = Templates.render(String.valueOf(groupTemplate), contexts);
        if (group == null || group.isBlank()) return null;
        boolean cancelInProgress = cancel != null
                && (cancel instanceof Boolean b
                        ? b
                        : Templates.value(String.valueOf(cancel), contexts).truthy());
        return new Concurrency((scope == null ? "" : scope) + "|" + group, cancelInProgress);
    }

    /** The group as the user wrote it (without the repository scope), for messages. */
    public String shown() {
        return group.substring(group.indexOf('|') + 1);
    }
}
