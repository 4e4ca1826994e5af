package dev.runway.workflow.parse;

import dev.runway.workflow.model.ActionDefinition;
import dev.runway.workflow.model.Step;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

/**
 * Reads an action's {@code action.yml} (or {@code action.yaml}), with the same diagnostics as workflows: composite,
 * JavaScript ({@code node12} to {@code node24}) and Docker actions; keys of {@code runs} that do not belong to the
 * action's kind are errors.
 */
public final class ActionParser {
    static final Set<String> TOP_KEYS =
            Set.of("name", "author", "description", "inputs", "outputs", "runs", "branding");

    /** The action, or null with errors in {@code diagnostics}. */
    public record Result(@Nullable ActionDefinition action, List<Diagnostic> diagnostics) {
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

    private static @Nullable ActionDefinition read(Node root, Session s) {
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
        Node usingNode = runs.get("using") != null ? runs.get("using") : runsNode;
        if (using == null) {
            s.error(usingNode, "Required property is missing: runs.using (composite, node20, node24 or docker)");
            return null;
        }
        ActionDefinition.Runs how;
        if ("composite".equals(using)) {
            onlyFor(runs, using, f, Set.of("using", "steps"));
            List<Step> steps = new StepReader(f).steps("action", runs.get("steps"));
            for (Step st : steps) {
                if (st.run() != null && st.shell() == null)
                    s.error(st.line(), 1, "a run step of a composite action needs 'shell' (e.g. shell: bash)");
            }
            how = new ActionDefinition.Composite(steps);
        } else if (NODE.contains(using)) {
            onlyFor(runs, using, f, Set.of("using", "main", "pre", "post", "pre-if", "post-if"));
            String main = path(runs, "main", f);
            if (runs.get("main") == null || Yaml.isNull(runs.get("main")))
                s.error(usingNode, "Required property is missing: runs.main (the script " + using + " runs)");
            if (main == null) return null; // missing, empty or not a path inside the action: each an error above
            how = new ActionDefinition.Node(
                    using,
                    main,
                    path(runs, "pre", f),
                    condition(runs, "pre-if", s),
                    path(runs, "post", f),
                    condition(runs, "post-if", s));
        } else if ("docker".equals(using)) {
            onlyFor(
                    runs,
                    using,
                    f,
                    Set.of(
                            "using",
                            "image",
                            "args",
                            "env",
                            "entrypoint",
                            "pre-entrypoint",
                            "post-entrypoint",
                            "pre-if",
                            "post-if"));
            String image = f.scalar(runs.get("image"));
            if (image == null || image.isBlank())
                s.error(
                        usingNode,
                        "Required property is missing: runs.image (Dockerfile, a path to one, or docker://image)");
            List<String> args = new java.util.ArrayList<>();
            Node a = runs.get("args");
            if (a != null && !(a instanceof org.snakeyaml.engine.v2.nodes.SequenceNode))
                s.error(a, "runs.args must be a list of strings");
            for (Node item : Yaml.items(a)) {
                f.checkTemplate(item);
                args.add(Fields.string(item) == null ? "" : f.scalar(item));
            }
            how = new ActionDefinition.Docker(
                    image == null ? "" : image,
                    List.copyOf(args),
                    f.stringMap(runs.get("env")),
                    f.scalar(runs.get("entrypoint")),
                    f.scalar(runs.get("pre-entrypoint")),
                    condition(runs, "pre-if", s),
                    f.scalar(runs.get("post-entrypoint")),
                    condition(runs, "post-if", s));
        } else {
            s.error(
                    usingNode,
                    "not supported by Runway: actions that run with '" + using
                            + "' (Runway runs composite, node12, node16, node20, node24 and docker actions)");
            return null;
        }
        return new ActionDefinition(Fields.string(top.get("name")), inputs, outputs, how);
    }

    /** The runtimes of JavaScript actions; node12 and node16 actions run on a newer Node, as GitHub's runner does. */
    static final Set<String> NODE = Set.of("node12", "node16", "node20", "node24");

    /** Keys of {@code runs} that belong to another kind of action are errors: they would be silently ignored. */
    private static void onlyFor(Map<String, Node> runs, String using, Fields f, Set<String> allowed) {
        for (Map.Entry<String, Node> e : runs.entrySet()) {
            if (!allowed.contains(e.getKey()))
                f.s.error(
                        e.getValue(),
                        "runs." + e.getKey() + " does not apply to actions that run with '" + using + "' (allowed: "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
    }

    /** A script path inside the action: relative, and never leaving the action's directory. */
    private static @Nullable String path(Map<String, Node> runs, String key, Fields f) {
        Node n = runs.get(key);
        if (n == null) return null;
        String p = f.scalar(n);
        if (p == null) return null;
        java.nio.file.Path normal = java.nio.file.Path.of(p).normalize();
        if (p.isBlank() || normal.isAbsolute() || normal.startsWith("..")) {
            f.s.error(n, "runs." + key + " must be a path inside the action, not '" + p + "'");
            return null;
        }
        return p;
    }

    private static @Nullable String condition(Map<String, Node> runs, String key, Session s) {
        Node n = runs.get(key);
        String c = Fields.string(n);
        if (c != null) ExpressionCheck.condition(n, c, s);
        return c;
    }

    private ActionParser() {}
}
