package dev.runway.server.runs;

import dev.runway.server.secrets.SecretReferences;
import java.util.regex.Pattern;

/**
 * Whether a workflow- or job-level {@code env:} value needs what only the runner has: a secret's value, the
 * {@code runner} context or {@code github.workspace}. The control plane leaves such values as written
 * ({@code contexts.runway.secretEnv}) and the runner evaluates them with everything else it evaluates.
 */
final class RunnerSide {
    private static final Pattern RUNNER_CONTEXT =
            Pattern.compile("(?i)\\brunner\\s*[.\\[]|\\bgithub\\s*(?:\\.\\s*workspace\\b|\\[\\s*'workspace'\\s*])");

    static boolean needed(String value) {
        return value != null
                && (SecretReferences.mentioned(value)
                        || (value.contains("${{")
                                && RUNNER_CONTEXT.matcher(value).find()));
    }

    private RunnerSide() {}
}
