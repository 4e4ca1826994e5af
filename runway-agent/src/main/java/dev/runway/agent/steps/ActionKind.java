package dev.runway.agent.steps;

import dev.runway.protocol.StepSpec;
import dev.runway.workflow.expr.Expressions;
import dev.runway.workflow.model.ActionDefinition;
import java.nio.file.Path;
import java.util.Map;

/**
 * One kind of action a step can use, each its own class: a composite action's steps ({@link CompositeAction}), a
 * JavaScript action's Node.js ({@link NodeAction}), a Docker action's or a {@code docker://} image's containers
 * ({@link DockerAction}); the built-in actions the runner implements itself are {@link BuiltinAction}. The kind of an
 * action.yml is its {@code runs.using} ({@link Kinds#of}).
 */
sealed interface ActionKind permits BuiltinAction, CompositeAction, NodeAction, DockerAction {
    /**
     * A step that uses an action: the step (its expressions resolved), the action's directory, its declared inputs
     * (with their defaults: a composite action's {@code inputs} context), all its inputs (those and what {@code with:}
     * gave besides: what a JavaScript or Docker action's process gets), and the contexts it runs in.
     */
    record Call(
            StepSpec step,
            Path dir,
            Map<String, String> declared,
            Map<String, String> inputs,
            Map<String, String> env,
            Map<String, String> envContext,
            StepExpressions expressions,
            Expressions.Status status,
            StepReporter report,
            int depth,
            String name,
            Lifecycle lifecycle) {}

    /** How the action went and the outputs it set. */
    record Result(StepRun run, Map<String, String> outputs) {
        static Result failed(String message) {
            return new Result(StepRun.failed(message), Map.of());
        }
    }

    /** Runs the action described by {@code def} (null for kinds that have no action.yml). */
    Result run(Call call, ActionDefinition def);

    /** The action kinds of one job. */
    record Kinds(CompositeAction composite, NodeAction node, DockerAction docker) {
        /** The kind that runs an action.yml: its {@code runs.using} ({@code composite}, {@code node*}, {@code docker}). */
        ActionKind of(ActionDefinition.Runs runs) {
            return switch (runs) {
                case ActionDefinition.Composite c -> composite;
                case ActionDefinition.Node n -> node;
                case ActionDefinition.Docker d -> docker;
            };
        }
    }
}
