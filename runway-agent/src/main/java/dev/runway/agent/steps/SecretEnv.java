package dev.runway.agent.steps;

import dev.runway.protocol.JobSpec;
import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Templates;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The workflow- and job-level {@code env:} values that use {@code secrets.*}, the {@code runner} context or
 * {@code github.workspace}: the control plane has neither secret values nor the runner's paths when it plans a job, so
 * it leaves those values as written (in {@code contexts.runway.secretEnv}, workflow level then job level, each in file
 * order) and the runner evaluates them here, with every context a step has ({@link StepExpressions}) and the env known
 * so far.
 */
public final class SecretEnv {
    private SecretEnv() {}

    /**
     * The values to add to {@code env} (the job's env as the control plane rendered it); a value that cannot be
     * evaluated is an {@link IllegalArgumentException} naming its key.
     */
    public static Map<String, String> evaluate(
            JobSpec spec, Map<String, String> env, Function<Map<String, String>, Templates.Scope> scopeWithEnv) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!spec.workflow()
                || !(spec.contexts().get("runway") instanceof Map<?, ?> runway)
                || !(runway.get("secretEnv") instanceof Map<?, ?> levels)) return out;
        for (String level : new String[] {"workflow", "job"}) {
            if (!(levels.get(level) instanceof Map<?, ?> values)) continue;
            Map<String, String> known = new LinkedHashMap<>(env);
            known.putAll(out);
            Templates.Scope scope = scopeWithEnv.apply(known);
            for (Map.Entry<?, ?> e : values.entrySet()) {
                String key = String.valueOf(e.getKey());
                try {
                    out.put(key, Templates.render(String.valueOf(e.getValue()), scope));
                } catch (ExpressionException ex) {
                    throw new IllegalArgumentException(
                            level + " env '" + key + "': " + ex.describe(String.valueOf(e.getValue())));
                }
            }
        }
        return out;
    }
}
