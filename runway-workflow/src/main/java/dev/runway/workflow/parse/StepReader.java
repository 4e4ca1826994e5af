package dev.runway.workflow.parse;

import dev.runway.workflow.model.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** {@code steps}: ids, run/uses, shell and the expressions in them. */
final class StepReader {
    static final Set<String> STEP_KEYS = Set.of(
            "id",
            "name",
            "if",
            "run",
            "shell",
            "working-directory",
            "env",
            "continue-on-error",
            "timeout-minutes",
            "uses",
            "with");
    /** Step keys of GitHub's schema that Runway does not act on (background steps): a warning each. */
    static final Set<String> GITHUB_ONLY_STEP_KEYS = Set.of("background", "wait", "wait-all", "cancel");

    /** A local action, a Docker image, or {org}/{repo}[/path]@ref, as GitHub accepts them. */
    static final java.util.regex.Pattern USES = java.util.regex.Pattern.compile("\\./.*|docker://.*|[^/@]+/[^@]+@.+");

    private final Fields f;
    private final Session s;

    StepReader(Fields f) {
        this.f = f;
        this.s = f.s;
    }

    List<Step> steps(String jobId, @Nullable Node n) {
        List<Step> out = new ArrayList<>();
        if (n == null) return out;
        if (!(n instanceof SequenceNode) || Yaml.items(n).isEmpty()) {
            s.error(n, "'steps' of job '" + jobId + "' must be a list with at least one step");
            return out;
        }
        Set<String> ids = new HashSet<>();
        int index = 0;
        for (Node sn : Yaml.items(n)) {
            index++;
            if (!(sn instanceof MappingNode)) {
                s.error(sn, "step " + index + " of job '" + jobId + "' must be a mapping with 'run' or 'uses'");
                continue;
            }
            Map<String, Node> k = f.mapping(sn, STEP_KEYS, GITHUB_ONLY_STEP_KEYS, "step");
            Node idNode = k.get("id");
            String id = Fields.string(idNode);
            if (idNode != null && id != null) {
                if (id.startsWith("__")) {
                    s.error(idNode, "The identifier '" + id + "' is invalid. IDs starting with '__' are reserved.");
                } else if (!WorkflowParser.ID.matcher(id).matches()) {
                    s.error(
                            idNode,
                            "The identifier '" + id
                                    + "' is invalid. IDs may only contain alphanumeric characters, '_', and '-'."
                                    + " IDs must start with a letter or '_' and and must be less than 100 characters.");
                } else if (!ids.add(id.toLowerCase(Locale.ROOT))) {
                    s.error(
                            idNode,
                            "The identifier '" + id + "' may not be used more than once within the same scope.");
                }
            }
            String run = Fields.string(k.get("run"));
            String uses = Fields.string(k.get("uses"));
            if (run != null && uses != null) s.error(sn, "a step has either 'run' or 'uses', not both");
            if (run == null && uses == null) {
                List<String> other = Yaml.entries(sn).stream()
                        .map(t -> Yaml.scalar(t.getKeyNode()))
                        .filter(x -> x != null && !STEP_KEYS.contains(x))
                        .toList();
                s.error(
                        sn,
                        other.isEmpty()
                                ? "a step needs 'run' (a script) or 'uses' (an action)"
                                : "not supported by Runway: steps with " + other
                                        + " (Runway runs steps with 'run' or 'uses')");
            }
            if (run != null && uses == null) notFor(k, "with", "a 'run' step (it is for 'uses' steps)");
            if (uses != null && run == null) {
                notFor(k, "working-directory", "a 'uses' step (it is for 'run' steps)");
                notFor(k, "shell", "a 'uses' step (it is for 'run' steps)");
            }
            ExpressionCheck.booleanOrExpression(
                    k.get("continue-on-error"), Fields.string(k.get("continue-on-error")), s, "continue-on-error");
            Node usesNode = k.get("uses");
            if (usesNode != null && uses != null && !USES.matcher(uses).matches())
                s.error(usesNode, "Expected format {org}/{repo}[/path]@ref. Actual '" + uses + "'");
            String shell = Fields.string(k.get("shell"));
            Shells.check(k.get("shell"), shell, s, dev.runway.workflow.expr.Expressions.WORKFLOW_CONTEXTS);
            f.checkTemplate(k.get("run"));
            f.checkTemplate(k.get("name"));
            f.checkTemplate(k.get("working-directory"));
            if (k.containsKey("if")) ExpressionCheck.condition(k.get("if"), Fields.string(k.get("if")), s);
            out.add(new Step(
                    id,
                    Fields.string(k.get("name")),
                    Fields.string(k.get("if")),
                    run,
                    shell,
                    Fields.string(k.get("working-directory")),
                    f.stringMap(k.get("env")),
                    Fields.string(k.get("continue-on-error")),
                    f.timeoutSeconds(k.get("timeout-minutes")),
                    uses,
                    f.stringMap(k.get("with")),
                    Yaml.line(sn)));
        }
        return out;
    }

    /** GitHub's schema gives run steps and uses steps different keys. */
    private void notFor(Map<String, Node> k, String key, String kind) {
        Node v = k.get(key);
        if (v != null) s.error(v, "Unexpected value '" + key + "': not allowed on " + kind);
    }
}
