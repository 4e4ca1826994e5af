package dev.runway.workflow.model;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An action's {@code action.yml}: its inputs (default value and whether required), outputs (expressions over its
 * steps, for a composite action), and how it runs ({@link Runs}).
 */
public record ActionDefinition(
        @Nullable String name, Map<String, Input> inputs, Map<String, String> outputs, Runs runs) {
    public record Input(@Nullable String defaultValue, boolean required) {}

    /** How the action runs: {@code runs.using} and what goes with it. */
    public sealed interface Runs {
        /** The {@code runs.using} value as written. */
        String using();
    }

    /** {@code runs.using: composite}: steps that run in the job. */
    public record Composite(List<Step> steps) implements Runs {
        @Override
        public String using() {
            return "composite";
        }
    }

    /**
     * {@code runs.using: node20} (or node12/node16/node24): a JavaScript file run by Node.js, with an optional
     * {@code pre} before and {@code post} at the end of the job, each with its condition ({@code pre-if}, {@code
     * post-if}; GitHub's default for both is {@code always()}). Paths are relative to the action's directory.
     */
    public record Node(
            String using,
            String main,
            @Nullable String pre,
            @Nullable String preIf,
            @Nullable String post,
            @Nullable String postIf)
            implements Runs {
        /** The Node.js major version the action asks for (20 for node20). */
        public int major() {
            return Integer.parseInt(using.substring("node".length()));
        }
    }

    /**
     * {@code runs.using: docker}: {@code image} is {@code Dockerfile} (a path in the action, built on the runner) or
     * {@code docker://name}; {@code args} and {@code env} may hold expressions over {@code inputs}.
     */
    public record Docker(
            String image,
            List<String> args,
            Map<String, String> env,
            @Nullable String entrypoint,
            @Nullable String preEntrypoint,
            @Nullable String preIf,
            @Nullable String postEntrypoint,
            @Nullable String postIf)
            implements Runs {
        @Override
        public String using() {
            return "docker";
        }

        /** Whether {@code image} names a registry image rather than a Dockerfile in the action. */
        public boolean registryImage() {
            return image.startsWith("docker://");
        }
    }

    /** The steps of a composite action; empty for the other kinds. */
    public List<Step> steps() {
        return runs instanceof Composite c ? c.steps() : List.of();
    }

    public String using() {
        return runs.using();
    }
}
