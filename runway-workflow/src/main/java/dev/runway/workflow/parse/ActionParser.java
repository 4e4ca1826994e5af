package dev.runway.workflow.parse;

import dev.runway.workflow.model.ActionDefinition;
import dev.runway.workflow.model.Step;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads an {@code action.yml} of a local action ({@code uses: ./path}), with the same diagnostics as workflows.
 * Runway runs composite actions; other kinds ({@code node20}, {@code docker}) are reported as not supported.
 */
public final class ActionParser {
    static final Set<String> TOP_KEYS =
            Set.of("name", "author", "description", "inputs", "outputs", "runs", "branding");

    /** The action, or null with errors in {@code diagnostics}. */
    public record Result(ActionDefinition action, List<Diagnostic> diagnostics) {
        public List<Diagnostic> errors() {
            return diagnostics.stream()
                    .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                    .toList();
        }
    }

    public static Result parse(String file, String text) {
        Session s = new Session(file);
        ActionDefinition a = null;
        try {
            Node root = Yaml.compose(text, s);
            if (root == null && !s.hasErrors()) s.error(1, 1, "the file is empty; expected 'name' and 'runs'");
            if (root != null) a = read(root, s);
        } catch (RuntimeException e) {
            s.error(1, 1, "internal error while reading the action: " + e);
        }
        return new Result(s.hasErrors() ? null : a, List.copyOf(s.diagnostics));
    }

    private static ActionDefinition read(Node root, Session s) {
        Fields f = new Fields(s);
        if (!(root instanceof MappingNode)) {
            s.error(root, "an action must be a mapping with 'runs'");
            return null;
        }
        Map<String, Node> top = f.mapping(root, TOP_KEYS, false, "action");
        Map<String, ActionDefinition.Input> inputs = new LinkedHashMap<>();
        if (top.get("inputs") instanceof MappingNode in) {
            for (NodeTuple t : Yaml.entries(in)) {
                Map<String, Node> k = f.mapping(
                        t.getValueNode(),
                        Set.of("description", "required", "default", "deprecationMessage"),
                        false,
                        "input");
                f.checkTemplate(k.get("default"));
                inputs.put(
                        Yaml.scalar(t.getKeyNode()),
                        new ActionDefinition.Input(
                                Fields.string(k.get("default")), "true".equals(Fields.string(k.get("required")))));
            }
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        if (top.get("outputs") instanceof MappingNode out) {
            for (NodeTuple t : Yaml.entries(out)) {
                Map<String, Node> k = f.mapping(t.getValueNode(), Set.of("description", "value"), false, "output");
                f.checkTemplate(k.get("value"));
                outputs.put(Yaml.scalar(t.getKeyNode()), Fields.string(k.get("value")));
            }
        }
        Node runsNode = top.get("runs");
        if (runsNode == null) {
            s.error(root, "Required property is missing: runs");
            return null;
        }
        Map<String, Node> runs = f.mapping(
                runsNode,
                Set.of(
                        "using",
                        "steps",
                        "main",
                        "pre",
                        "post",
                        "image",
                        "args",
                        "entrypoint",
                        "env",
                        "pre-if",
                        "post-if",
                        "pre-entrypoint",
                        "post-entrypoint"),
                false,
                "runs");
        String using = Fields.string(runs.get("using"));
        if (!"composite".equals(using)) {
            s.error(
                    runs.get("using") != null ? runs.get("using") : runsNode,
                    "not supported by Runway: actions that run with '" + using
                            + "' (Runway runs composite actions: runs.using: composite)");
            return null;
        }
        List<Step> steps = new StepReader(f).steps("action", runs.get("steps"));
        for (Step st : steps) {
            if (st.run() != null && st.shell() == null)
                s.error(st.line(), 1, "a run step of a composite action needs 'shell' (e.g. shell: bash)");
        }
        return new ActionDefinition(Fields.string(top.get("name")), inputs, outputs, using, steps);
    }

    private ActionParser() {}
}
