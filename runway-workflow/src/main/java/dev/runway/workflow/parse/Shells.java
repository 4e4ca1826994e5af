package dev.runway.workflow.parse;

import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * A {@code shell:} (a step's, or {@code defaults.run.shell}): one Runway runs, or an expression using only the
 * contexts GitHub makes available there (it is evaluated on the runner, for each step).
 */
final class Shells {
    static final Set<String> NAMES = Set.of("bash", "sh", "python");

    /** What GitHub allows in a job's {@code defaults.run.shell}. */
    static final Set<String> JOB_DEFAULTS_CONTEXTS =
            Set.of("github", "inputs", "vars", "strategy", "matrix", "needs", "env");

    /** What GitHub allows in the workflow's {@code defaults.run.shell} (no job has started yet). */
    static final Set<String> WORKFLOW_DEFAULTS_CONTEXTS = Set.of("github", "inputs", "vars", "env");

    static void check(@Nullable Node at, @Nullable String shell, Session s, Set<String> contexts) {
        if (at == null || shell == null) return; // shell is read from at
        if (shell.contains("${{")) {
            ExpressionCheck.template(at, shell, s, contexts);
        } else if (shell.isBlank()) {
            s.error(at, "'shell' must not be empty (use bash, sh, python, or a command with {0})");
        } else if (!NAMES.contains(shell) && !shell.contains("{0}")) {
            s.error(
                    at,
                    "not supported by Runway: shell '" + shell
                            + "' (supported: bash, sh, python, or a command with {0})");
        }
    }

    private Shells() {}
}
