package dev.runway.workflow.parse;

import dev.runway.workflow.model.Call;
import dev.runway.workflow.model.Job;
import dev.runway.workflow.model.Workflow;
import dev.runway.workflow.model.WorkflowCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reusable workflows as GitHub's parser has them: what a callee declares under {@code on.workflow_call}, and a job
 * that calls one ({@code jobs.<id>.uses}) with its {@code with:} and {@code secrets:}. When the parse can read the
 * callee ({@link WorkflowParser.Options#callees()}), the call is checked against it — every required input and
 * secret given, nothing given that it does not declare, literal inputs of its type, no job of it asking for more
 * permissions than the caller allows — and the callee is parsed in turn, up to the nesting GitHub allows.
 */
final class Calls {
    /** The keys a calling job may have (GitHub's schema: a reusable-workflow job). */
    static final Set<String> CALLER_KEYS =
            Set.of("name", "uses", "with", "secrets", "needs", "if", "strategy", "concurrency", "permissions");

    static final Pattern LOCAL = Pattern.compile("\\./\\.github/workflows/[^/@]+\\.ya?ml");
    static final Pattern REMOTE =
            Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\\.github/workflows/[^/@]+\\.ya?ml@[^\\s]+");

    static final Set<String> INPUT_TYPES = Set.of("boolean", "number", "string");

    private final Session s;
    private final Fields f;

    Calls(Fields f) {
        this.s = f.s;
        this.f = f;
    }

    /** {@code on.workflow_call}: null, or a mapping of inputs, secrets and outputs. */
    WorkflowCall declaration(@Nullable Node n) {
        if (n == null || Yaml.isNull(n)) return WorkflowCall.NONE;
        Map<String, Node> k = f.mapping(n, Set.of("inputs", "secrets", "outputs"), true, "workflow_call");
        Map<String, WorkflowCall.Input> inputs = new LinkedHashMap<>();
        for (NodeTuple t : Yaml.entries(k.get("inputs"))) {
            String name = Yaml.scalar(t.getKeyNode());
            if (name == null) continue;
            Map<String, Node> in = f.mapping(
                    t.getValueNode(), Set.of("description", "required", "type", "default"), true, "input " + name);
            Node typeNode = in.get("type");
            String type = Fields.string(typeNode);
            if (type == null || typeNode == null) s.error(t.getValueNode(), "Required property is missing: type");
            else if (!INPUT_TYPES.contains(type)) s.error(typeNode, "Unexpected value '" + type + "'");
            boolean required = "true".equals(Fields.string(in.get("required")));
            Object dflt = in.containsKey("default") ? Yaml.toData(in.get("default")) : null;
            inputs.put(name, new WorkflowCall.Input(type == null ? "string" : type, required, dflt));
        }
        Map<String, Boolean> secrets = new LinkedHashMap<>();
        for (NodeTuple t : Yaml.entries(k.get("secrets"))) {
            String name = Yaml.scalar(t.getKeyNode());
            if (name == null) continue;
            boolean required = false;
            if (!Yaml.isNull(t.getValueNode())) {
                Map<String, Node> sec =
                        f.mapping(t.getValueNode(), Set.of("description", "required"), true, "secret " + name);
                required = "true".equals(Fields.string(sec.get("required")));
            }
            secrets.put(name, required);
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (NodeTuple t : Yaml.entries(k.get("outputs"))) {
            String name = Yaml.scalar(t.getKeyNode());
            if (name == null) continue;
            Map<String, Node> out = f.mapping(t.getValueNode(), Set.of("description", "value"), true, "output " + name);
            String value = Fields.string(out.get("value"));
            if (value == null) s.error(t.getValueNode(), "Required property is missing: value");
            else outputs.put(name, value);
            f.checkTemplates(out.get("value"));
        }
        return new WorkflowCall(inputs, secrets, outputs);
    }

    /** What a calling job says: its reference, {@code with:} and {@code secrets:}, checked for their form. */
    record Written(Call call, Node usesNode, Map<String, Node> withNodes, Map<String, Node> secretNodes) {}

    Written caller(String id, Map<String, Node> k) {
        Node usesNode = k.get("uses");
        String uses = f.scalar(usesNode);
        if (uses == null) uses = "";
        if (usesNode != null
                && !LOCAL.matcher(uses).matches()
                && !REMOTE.matcher(uses).matches())
            s.error(
                    usesNode,
                    "Invalid workflow reference '" + uses + "': expected ./.github/workflows/<file>.yml or"
                            + " {owner}/{repo}/.github/workflows/<file>.yml@{ref}");
        Map<String, String> with = new LinkedHashMap<>();
        Map<String, Node> withNodes = new LinkedHashMap<>();
        Node withNode = k.get("with");
        if (withNode != null && !Yaml.isNull(withNode)) {
            if (!(withNode instanceof MappingNode))
                s.error(withNode, "with must be a mapping of input names to values");
            for (NodeTuple t : Yaml.entries(withNode)) {
                String name = Yaml.scalar(t.getKeyNode());
                if (name == null) continue;
                if (!(t.getValueNode() instanceof ScalarNode sc)) {
                    s.error(t.getValueNode(), "the value of input '" + name + "' must be a string, number or boolean");
                    continue;
                }
                with.put(name, Yaml.scalar(sc)); // True is "true", 3.10 "3.1", as GitHub reads them
                withNodes.put(name, t.getValueNode());
            }
            f.checkTemplates(withNode);
        }
        boolean inherit = false;
        Map<String, String> secrets = new LinkedHashMap<>();
        Map<String, Node> secretNodes = new LinkedHashMap<>();
        Node secretsNode = k.get("secrets");
        if (secretsNode instanceof ScalarNode sc && !Yaml.isNull(secretsNode)) {
            if (sc.getValue().equals("inherit")) inherit = true;
            else s.error(secretsNode, "Unexpected value '" + sc.getValue() + "'");
        } else if (secretsNode != null && !Yaml.isNull(secretsNode)) {
            if (!(secretsNode instanceof MappingNode))
                s.error(secretsNode, "secrets must be 'inherit' or a mapping of the callee's secret names to values");
            for (NodeTuple t : Yaml.entries(secretsNode)) {
                String name = Yaml.scalar(t.getKeyNode());
                String value = Yaml.scalar(t.getValueNode());
                if (name == null) continue;
                secrets.put(name, value == null ? "" : value);
                secretNodes.put(name, t.getValueNode());
            }
            f.checkTemplates(secretsNode);
        }
        return new Written(
                new Call(uses, with, inherit, secrets, null),
                usesNode == null ? k.values().iterator().next() : usesNode,
                withNodes,
                secretNodes);
    }

    /** Checks a call's inputs and secrets against what the callee declares. */
    void check(Written w, Workflow callee) {
        WorkflowCall d = callee.workflowCall();
        if (d == null) {
            s.error(
                    w.usesNode(),
                    "'" + w.call().uses() + "' is not a reusable workflow: it has no 'on: workflow_call' trigger");
            return;
        }
        for (var in : d.inputs().entrySet()) {
            if (in.getValue().required()
                    && in.getValue().defaultValue() == null
                    && !w.call().with().containsKey(in.getKey()))
                s.error(w.usesNode(), "Input " + in.getKey() + " is required, but not provided while calling.");
        }
        for (var given : w.call().with().entrySet()) {
            Node at = w.withNodes().get(given.getKey());
            WorkflowCall.Input declared = d.inputs().get(given.getKey());
            if (declared == null) {
                s.error(
                        at == null ? w.usesNode() : at,
                        "Invalid input, " + given.getKey() + " is not defined in the referenced workflow.");
                continue;
            }
            String v = given.getValue();
            if (v.contains("${{") || at == null) continue;
            boolean fits = switch (declared.type()) {
                case "boolean" -> v.equals("true") || v.equals("false");
                case "number" -> isNumber(v);
                default -> true;
            };
            if (!fits) s.error(at, "Unexpected value '" + v + "'");
        }
        if (!w.call().inheritSecrets()) {
            for (var sec : d.secrets().entrySet()) {
                if (sec.getValue() && !w.call().secrets().containsKey(sec.getKey()))
                    s.error(w.usesNode(), "Secret " + sec.getKey() + " is required, but not provided while calling.");
            }
            for (var given : w.secretNodes().entrySet()) {
                if (!d.secrets().containsKey(given.getKey()))
                    s.error(
                            given.getValue(),
                            "Invalid secret, " + given.getKey() + " is not defined in the referenced workflow.");
            }
        }
    }

    static boolean isNumber(String v) {
        try {
            Double.parseDouble(v.strip());
            return !v.isBlank();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Checks that no job of {@code callee} asks for more than {@code allowed}: a job's own permissions, else the
     * callee's workflow-level ones (a job that asks for nothing gets what the caller allows). The error is the
     * caller's, at its job.
     */
    void checkPermissions(Node callerKey, String uses, Workflow callee, Map<String, Integer> allowed) {
        for (Job j : callee.jobs().values()) {
            Map<String, Integer> asked = null;
            String who;
            if (j.permissions() != null) {
                asked = PermissionLevels.of(j.permissions(), null);
                who = "The nested job '" + (j.name() != null ? j.name() : j.id()) + "'";
            } else if (callee.permissions() != null) {
                asked = PermissionLevels.of(callee.permissions(), null);
                who = "The workflow '" + uses + "'";
            } else continue;
            if (asked == null) continue;
            List<String> exceeding = new ArrayList<>();
            for (var e : asked.entrySet())
                if (e.getValue() > allowed.getOrDefault(e.getKey(), 0)) exceeding.add(e.getKey());
            if (exceeding.isEmpty()) continue;
            s.error(
                    callerKey,
                    "Error calling workflow '" + uses + "'. " + who + " is requesting '"
                            + PermissionLevels.describe(asked, asked.keySet()) + "', but is only allowed '"
                            + PermissionLevels.describe(allowed, asked.keySet()) + "'.");
        }
    }
}
