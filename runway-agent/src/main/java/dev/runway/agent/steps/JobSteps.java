package dev.runway.agent.steps;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.output.FileCommands;
import dev.runway.agent.output.WorkflowCommands;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What every step of one job shares, whichever kind of action it runs: where steps run ({@link StepHost}), the
 * job's log, step files and control plane, the supervisor of its processes, and what steps leave for later ones (post
 * steps, the numbering of step files and of {@code GITHUB_ACTION}).
 */
final class JobSteps {
    /** A step to run after the job's steps (saving a cache, an action's {@code post}), if {@code when} the job's result. */
    record Post(String name, Predicate<JobState> when, PostRun run) {}

    /** Runs a post step. */
    @FunctionalInterface
    interface PostRun {
        StepRun run() throws IOException, InterruptedException;
    }

    final ProcessSupervisor supervisor;
    final ActionContainers containers;
    final ActionSources sources;
    final StepHost host;
    final JobSpec spec;
    final Path workspace;
    final WorkflowCommands out;
    final JobControl control;
    final JobApi api;
    final FileCommands files;
    private final List<Post> posts = new ArrayList<>();
    private final Map<String, Integer> actionIds = new HashMap<>();
    private int scripts;
    /** The environment the job's steps start from (the host's, under the shell executor). */
    private Map<String, String> topEnv = Map.of();

    JobSteps(
            ProcessSupervisor supervisor,
            ActionContainers containers,
            ActionSources sources,
            StepHost host,
            JobSpec spec,
            Path workspace,
            WorkflowCommands out,
            JobControl control,
            JobApi api,
            FileCommands files) {
        this.supervisor = supervisor;
        this.containers = containers == null ? ActionContainers.NONE : containers;
        this.sources = sources == null ? ActionSources.NONE : sources;
        this.host = host;
        this.spec = spec;
        this.workspace = workspace;
        this.out = out;
        this.control = control;
        this.api = api;
        this.files = files;
    }

    /** The number of the next process a step starts (its step files are named after it). */
    int nextScript() {
        return scripts++;
    }

    void addPost(Post post) {
        posts.add(post);
    }

    /** The post steps registered so far, last registered first (the order they run in). */
    List<Post> postsToRun() {
        return posts.reversed();
    }

    Map<String, String> topEnv() {
        return topEnv;
    }

    void topEnv(Map<String, String> env) {
        topEnv = java.util.Collections.unmodifiableMap(new HashMap<>(env));
    }

    /** The environment of the job's steps so far: {@code env} and what steps added through GITHUB_ENV. */
    Map<String, String> envContext(Map<String, String> env) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.putAll(files.addedEnv());
        return e;
    }

    /** What a step left in its files and through the deprecated {@code ::set-output::}/{@code ::save-state::}. */
    FileCommands.Collected collect(FileCommands.StepFiles stepFiles, String name) throws IOException {
        out.applyUnsecureCommands(files);
        FileCommands.Collected c = files.collect(stepFiles);
        if (!c.summary().isBlank()) {
            out.line("[runway] summary of step '" + name + "':");
            out.line(c.summary().stripTrailing());
        }
        Map<String, String> outputs = new LinkedHashMap<>(out.takeOutputs());
        outputs.putAll(c.outputs());
        Map<String, String> state = new LinkedHashMap<>(out.takeState());
        state.putAll(c.state());
        return new FileCommands.Collected(outputs, c.summary(), state);
    }

    Map<String, String> withActionId(Map<String, String> env, StepSpec step) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("GITHUB_ACTION", actionId(step));
        return e;
    }

    /**
     * {@code GITHUB_ACTION} as GitHub's runner sets it: the step's id, else {@code __run} for scripts and {@code
     * __owner_repo} for actions, with {@code _2}, {@code _3}... on repeats within the job.
     */
    String actionId(StepSpec step) {
        if (step.id() != null && !step.id().isBlank()) return step.id();
        String base = step.uses() == null
                ? "__run"
                : "__"
                        + step.uses()
                                .replaceFirst("@.*$", "")
                                .replaceAll("[^A-Za-z0-9]", "_")
                                .replaceAll("^_+", "");
        int n = actionIds.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + n;
    }

    /** The job's {@code runway.job} label: what the container executor labels the job's containers with. */
    String jobKey() {
        return workspace.getFileName().toString();
    }
}
