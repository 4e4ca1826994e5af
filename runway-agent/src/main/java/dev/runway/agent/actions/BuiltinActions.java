package dev.runway.agent.actions;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobEnv;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.StepSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code uses:} steps. The actions CI workflows use most are built in and implemented natively; anything else is
 * looked up in the runner's {@link ActionSources} (a local store, git mirrors) and, if found there, runs as a
 * composite action; otherwise the step fails with the places that were tried.
 */
public final class BuiltinActions {
    private final ActionSources sources;
    /** Actions resolved in this job: a job's pre steps and its steps resolve each once. */
    private final Map<String, ActionSources.Found> resolved = new java.util.HashMap<>();

    public BuiltinActions() {
        this(ActionSources.NONE);
    }

    public BuiltinActions(ActionSources sources) {
        this.sources = sources == null ? ActionSources.NONE : sources;
    }

    static final String SUPPORTED =
            "actions/checkout, actions/upload-artifact, actions/download-artifact, actions/cache (and its restore and"
                    + " save), actions/setup-java, setup-node, setup-go and setup-python (from the runner's tool cache), local"
                    + " actions (uses: ./path)";

    /** The actions Runway implements itself; {@code --actions-prefer-sources} may name these. */
    static final java.util.Set<String> BUILT_IN = java.util.Set.of(
            "actions/checkout",
            "actions/upload-artifact",
            "actions/download-artifact",
            "actions/cache",
            "actions/cache/restore",
            "actions/cache/save",
            "actions/setup-java",
            "actions/setup-node",
            "actions/setup-go",
            "actions/setup-python");

    /** Whether Runway implements {@code action} ({@code owner/repo[/path]}) itself. */
    public static boolean builtIn(String action) {
        return BUILT_IN.contains(action);
    }

    /** The built-in actions, sorted. */
    public static List<String> builtIns() {
        return BUILT_IN.stream().sorted().toList();
    }

    /** How a {@code uses:} step runs: as a script, or in the runner itself. */
    sealed interface Resolved {}

    public record Script(StepSpec step) implements Resolved {}

    /** An action from the runner's action sources, in {@code found.dir()}. */
    public record Action(ActionSources.Found found) implements Resolved {}

    /** {@code post} (may be null) runs after the job's steps, if the job succeeded or {@code postAlways}. */
    public record Native(NativeStep step, NativeStep post, boolean postAlways) implements Resolved {
        Native(NativeStep step) {
            this(step, null, false);
        }
    }

    /** A step the runner performs itself; returns the step's outputs. */
    @FunctionalInterface
    public interface NativeStep {
        Map<String, String> run(Path workspace, JobApi api, Executor.Output out)
                throws IOException, InterruptedException;

        /** Runs with a way to change the environment of the later steps (the setup-* actions need it). */
        default Map<String, String> run(Path workspace, JobApi api, Executor.Output out, JobEnv env)
                throws IOException, InterruptedException {
            return run(workspace, api, out);
        }

        /** A step that sets environment variables or PATH for the steps after it. */
        static NativeStep withEnv(EnvStep step) {
            return new NativeStep() {
                @Override
                public Map<String, String> run(Path workspace, JobApi api, Executor.Output out) {
                    throw new IllegalStateException("this step changes the job's environment: run it with one");
                }

                @Override
                public Map<String, String> run(Path workspace, JobApi api, Executor.Output out, JobEnv env)
                        throws IOException {
                    return step.run(workspace, out, env);
                }
            };
        }
    }

    /** A native step that changes the later steps' environment. */
    @FunctionalInterface
    interface EnvStep {
        Map<String, String> run(Path workspace, Executor.Output out, JobEnv env) throws IOException;
    }

    private ActionSources.Found fromSources(String uses) throws InterruptedException {
        ActionSources.Found f = resolved.get(uses);
        if (f == null) {
            f = sources.resolve(uses);
            resolved.put(uses, f);
        }
        return f;
    }

    /** How to run the step; {@link IllegalArgumentException} if it cannot run here. */
    public Resolved resolve(StepSpec step, JobSpec job, Map<String, String> env) throws InterruptedException {
        String name = Checkout.name(step.uses());
        if (BUILT_IN.contains(name) && sources.prefersSource(name)) {
            try {
                return new Action(fromSources(step.uses()));
            } catch (IllegalArgumentException e) {
                // not in the sources: the built-in one runs
            }
        }
        return switch (name) {
            case "actions/checkout" -> {
                Object g = job.contexts() == null ? null : job.contexts().get("github");
                @SuppressWarnings("unchecked")
                Map<String, Object> github = g instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
                Object r = job.contexts() == null ? null : job.contexts().get("runway");
                String tree = r instanceof Map<?, ?> m && m.get("workingTree") != null
                        ? String.valueOf(m.get("workingTree"))
                        : null;
                yield new Script(Checkout.script(step, github, tree));
            }
            case "actions/upload-artifact" ->
                new Native((ws, api, out) -> ArtifactActions.upload(step.with(), ws, api, out));
            case "actions/download-artifact" ->
                new Native((ws, api, out) -> ArtifactActions.download(step.with(), ws, api, out));
            case "actions/cache" -> {
                CacheAction c = new CacheAction(step.with(), env);
                yield new Native(c::restore, c::save, c.saveAlways());
            }
            case "actions/cache/restore" -> new Native(new CacheAction(step.with(), env)::restore);
            case "actions/cache/save" -> new Native(new CacheAction(step.with(), env)::save);
            case "actions/setup-java", "actions/setup-node", "actions/setup-go", "actions/setup-python" ->
                new Native(SetupActions.step(name, step.with(), env));
            default -> {
                try {
                    yield new Action(fromSources(step.uses()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "uses: '" + step.uses() + "': " + e.getMessage() + " (built in are " + SUPPORTED + ")");
                }
            }
        };
    }
}
