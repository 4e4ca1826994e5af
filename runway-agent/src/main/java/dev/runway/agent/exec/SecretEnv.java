package dev.runway.agent.exec;

import dev.runway.protocol.JobSpec;
import dev.runway.workflow.expr.ExpressionException;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.expr.Value;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The workflow- and job-level {@code env:} values that use {@code secrets.*}: the control plane has no secret values
 * when it plans a job, so it leaves those values as written (in {@code contexts.runway.secretEnv}, workflow level then
 * job level, each in file order) and the runner evaluates them here, with the contexts it was sent, the job's secrets
 * and the env known so far.
 */
public final class SecretEnv {
    private SecretEnv() {}

    /**
     * The values to add to {@code env} (the job's env as the control plane rendered it); a value that cannot be
     * evaluated is an {@link IllegalArgumentException} naming its key.
     */
    public static Map<String, String> evaluate(JobSpec spec, Map<String, String> env, Map<String, String> secrets) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!spec.workflow()
                || !(spec.contexts().get("runway") instanceof Map<?, ?> runway)
                || !(runway.get("secretEnv") instanceof Map<?, ?> levels)) return out;
        for (String level : new String[] {"workflow", "job"}) {
            if (!(levels.get(level) instanceof Map<?, ?> values)) continue;
            Map<String, String> known = new LinkedHashMap<>(env);
            known.putAll(out);
            Templates.Scope scope = scope(spec, known, secrets);
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

    private static Templates.Scope scope(JobSpec spec, Map<String, String> env, Map<String, String> secrets) {
        Value.Obj c = new Value.Obj();
        Templates.object(spec.contexts()).entries().forEach(c::put);
        c.put("env", Templates.object(env));
        c.put("secrets", Templates.object(secrets));
        return new Templates.Scope(c);
    }
}
