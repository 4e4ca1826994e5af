package dev.runway.server.secrets;

import dev.runway.protocol.JobSpec;
import dev.runway.protocol.Json;
import dev.runway.workflow.calls.CallSecrets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secret names a job's spec refers to ({@code secrets.NAME} or {@code secrets['NAME']} in its expressions), so
 * its attempt receives those and no others. A superset is harmless (a value is reachable only through an
 * expression); a name that is never mentioned is never sent. Only the text the runner evaluates counts ({@link
 * #inSpec}): a pull request's title that reads {@code secrets.DEPLOY_KEY} is data and sends nothing.
 */
public final class SecretReferences {
    /**
     * The key of {@code contexts.runway} that, when present, says why a job is sent no secrets at all (a pull request
     * from a fork); its value is the reason.
     */
    public static final String WITHHELD = "secretsWithheld";
    /** The key in {@code contexts.runway} of a deployment job's environment ({@code {name, url}}). */
    public static final String ENVIRONMENT = "environment";

    private static final Pattern DOT = Pattern.compile("(?i)\\bsecrets\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern INDEX =
            Pattern.compile("(?i)\\bsecrets\\s*\\[\\s*\\\\?['\"]([A-Za-z_][A-Za-z0-9_]*)\\\\?['\"]\\s*]");

    public static Set<String> in(String text) {
        Set<String> out = new LinkedHashSet<>();
        if (text == null) return out;
        for (Pattern p : new Pattern[] {DOT, INDEX}) {
            Matcher m = p.matcher(text);
            while (m.find()) out.add(m.group(1).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    /**
     * The secrets a workflow job's attempt is sent: those its spec ({@code specJson}, with {@code contexts}) refers
     * to, or for a job of a called workflow the ones the run's workflow passes into the call for them ({@link
     * CallSecrets#outermost}; the runner passes them down to the job, {@link CallSecrets#forJob}).
     */
    public static Set<String> sent(Map<String, ?> contexts, String specJson) {
        List<CallSecrets.Level> levels = CallSecrets.of(contexts);
        Set<String> names = in(specJson);
        return levels == null ? names : CallSecrets.outermost(levels, names);
    }

    /**
     * The names referred to where the runner evaluates expressions in a workflow job's spec: its steps, its outputs
     * and what the control plane left for the runner ({@code contexts.runway}: env that needs secrets, the secrets of
     * calls). Not the data contexts ({@code github} with the event payload, {@code inputs}, {@code needs}, {@code
     * matrix}) nor values the control plane already evaluated ({@code env}, {@code name}).
     */
    public static Set<String> inSpec(JobSpec spec) {
        Object runway = spec.contexts() == null ? null : spec.contexts().get("runway");
        Set<String> out = in(Json.lenient().valueToTree(spec.steps()).toString());
        out.addAll(in(Json.lenient().valueToTree(spec.outputs()).toString()));
        if (runway != null) out.addAll(in(Json.lenient().valueToTree(runway).toString()));
        return out;
    }

    /**
     * Why the job of {@code spec} is sent no secrets ({@link #WITHHELD} in {@code contexts.runway}), or null when it
     * is sent those it refers to.
     */
    public static String withheld(JobSpec spec) {
        Object why = runway(spec).get(WITHHELD);
        return why == null ? null : String.valueOf(why);
    }

    /** The environment a job of {@code spec} deploys to ({@link #ENVIRONMENT} in {@code contexts.runway}), or null. */
    public static String environment(JobSpec spec) {
        return runway(spec).get(ENVIRONMENT) instanceof Map<?, ?> env && env.get("name") != null
                ? String.valueOf(env.get("name"))
                : null;
    }

    /** The spec's {@code contexts.runway} (what the control plane tells the runner, not a user context), or empty. */
    private static Map<?, ?> runway(JobSpec spec) {
        return spec.contexts() != null && spec.contexts().get("runway") instanceof Map<?, ?> runway ? runway : Map.of();
    }

    /** Whether {@code text} refers to any secret (then only the runner, which has the values, can evaluate it). */
    public static boolean mentioned(String text) {
        return !in(text).isEmpty();
    }

    private SecretReferences() {}
}
