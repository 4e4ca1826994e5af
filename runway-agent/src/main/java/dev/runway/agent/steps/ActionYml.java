package dev.runway.agent.steps;

import dev.runway.protocol.StepSpec;
import dev.runway.workflow.expr.Templates;
import dev.runway.workflow.model.ActionDefinition;
import dev.runway.workflow.parse.ActionParser;
import dev.runway.workflow.parse.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An action's {@code action.yml} (or {@code action.yaml}): finding it, reading it, and filling in its inputs. */
final class ActionYml {
    private ActionYml() {}

    /** The action cannot run; {@code getMessage()} says why, after the step's {@code uses: '…':}. */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    /**
     * The definition of the action in {@code dir}: a local one ({@code local}, shown relative to the workspace) or
     * one from the action sources (shown as {@code uses}).
     */
    static ActionDefinition read(StepSpec step, Path dir, boolean local, Path workspace) throws Unusable {
        Path file = file(dir);
        if (!Files.isRegularFile(file))
            throw new Unusable("no action.yml or action.yaml in "
                    + (local
                            ? step.uses() + " (local actions are read from the workspace: check the"
                                    + " repository out first with actions/checkout)"
                            : dir.toString()));
        ActionParser.Result parsed;
        try {
            String shown = local ? workspace.relativize(file).toString() : step.uses() + "/" + file.getFileName();
            parsed = ActionParser.parse(shown, Files.readString(file));
        } catch (IOException e) {
            throw new Unusable("cannot read " + file + ": " + e.getMessage());
        }
        if (parsed.action() == null)
            throw new Unusable(String.join(
                    "; ", parsed.errors().stream().map(Diagnostic::toString).toList()));
        return parsed.action();
    }

    /** The declared inputs: what {@code with:} gives, else their defaults evaluated in {@code outer}. */
    static Map<String, String> declaredInputs(ActionDefinition def, StepSpec step, Templates.Scope outer)
            throws Unusable {
        Map<String, String> declared = new LinkedHashMap<>();
        for (Map.Entry<String, ActionDefinition.Input> in : def.inputs().entrySet()) {
            String v = step.with().get(in.getKey());
            if (v == null && in.getValue().defaultValue() != null) {
                v = Templates.render(in.getValue().defaultValue(), outer);
            }
            if (v == null && in.getValue().required()) throw new Unusable("input '" + in.getKey() + "' is required");
            declared.put(in.getKey(), v == null ? "" : v);
        }
        return declared;
    }

    /**
     * The {@code pre-if} of the action in {@code dir} ({@code always()} if it has none) when it has a {@code pre} (or
     * {@code pre-entrypoint}); null when it has none or cannot be read (the step reports that).
     */
    static String preCondition(Path dir) {
        Path file = file(dir);
        try {
            ActionDefinition def =
                    ActionParser.parse(file.toString(), Files.readString(file)).action();
            if (def == null) return null;
            return switch (def.runs()) {
                case ActionDefinition.Node js -> js.pre() == null ? null : ActionPhases.orAlways(js.preIf());
                case ActionDefinition.Docker d -> d.preEntrypoint() == null ? null : ActionPhases.orAlways(d.preIf());
                case ActionDefinition.Composite c -> null;
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Path file(Path dir) {
        Path file = dir.resolve("action.yml");
        return Files.isRegularFile(file) ? file : dir.resolve("action.yaml");
    }
}
