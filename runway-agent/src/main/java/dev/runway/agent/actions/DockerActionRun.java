package dev.runway.agent.actions;

import dev.runway.agent.output.FileCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a Docker action's container sees the job, as GitHub's runner maps it: the workspace at {@code
 * /github/workspace} (its working directory), the step's files at {@code /github/file_commands}, RUNNER_TEMP at
 * {@code /github/runner_temp}, a HOME of the job's own at {@code /github/home} and the event payload at {@code
 * /github/workflow/event.json}; the variables of the workflow and the runner with those paths changed to match.
 * The host's own environment (PATH, the agent's HOME...) stays out: the image brings its own.
 */
public final class DockerActionRun {
    static final String WORKSPACE = "/github/workspace";
    static final String FILE_COMMANDS = "/github/file_commands";
    static final String RUNNER_TEMP = "/github/runner_temp";
    static final String HOME = "/github/home";
    static final String EVENT = "/github/workflow/event.json";

    /** Variables that are paths on the runner's host only. */
    private static final Set<String> HOST_ONLY = Set.of("PATH", "HOME", "RUNNER_TOOL_CACHE", "AGENT_TOOLSDIRECTORY");

    private final String image;
    private final List<String> args;
    private final Path workspace;
    private final Path filesDir;
    private final String network;

    /**
     * @param args the evaluated {@code args}; null: the image's {@code CMD}
     * @param filesDir the job's step files directory (see {@link FileCommands#dir()})
     * @param network the job's container network; null: the engine's default
     */
    public DockerActionRun(String image, List<String> args, Path workspace, Path filesDir, String network) {
        this.image = image;
        this.args = args;
        this.workspace = workspace;
        this.filesDir = filesDir;
        this.network = network;
    }

    /**
     * The container's environment from a step's ({@code stepEnv}, with the step files' paths on the host): what the
     * workflow set ({@code workflowKeys}), the runner's {@code GITHUB_*}/{@code RUNNER_*}/{@code CI} variables, and
     * whatever differs from {@code hostEnv}, the job's starting environment; paths changed to the container's.
     */
    public static Map<String, String> environment(
            Map<String, String> stepEnv, Set<String> workflowKeys, Map<String, String> hostEnv) {
        Map<String, String> e = new LinkedHashMap<>();
        stepEnv.forEach((k, v) -> {
            boolean keep = workflowKeys.contains(k)
                    || (!HOST_ONLY.contains(k) && (runnerVariable(k) || !Objects.equals(hostEnv.get(k), v)));
            if (keep && v != null) e.put(k, v);
        });
        e.put("GITHUB_WORKSPACE", WORKSPACE);
        e.put("RUNWAY_WORKSPACE", WORKSPACE);
        e.put("RUNNER_TEMP", RUNNER_TEMP);
        e.put("HOME", HOME);
        e.put("GITHUB_EVENT_PATH", EVENT);
        for (String file :
                List.of("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")) {
            String hostPath = stepEnv.get(file);
            if (hostPath != null)
                e.put(file, FILE_COMMANDS + "/" + Path.of(hostPath).getFileName());
        }
        return e;
    }

    private static boolean runnerVariable(String k) {
        return k.startsWith("GITHUB_")
                || k.startsWith("RUNNER_")
                || k.startsWith("ACTIONS_")
                || k.startsWith("RUNWAY_")
                || k.equals("CI");
    }

    /** The container of one run: {@code entrypoint} (null: the image's), {@code env} as {@link #environment} made it. */
    public ActionContainers.Request request(
            String entrypoint, Map<String, String> env, FileCommands.StepFiles files, String name, String job)
            throws java.io.IOException {
        Path home = Files.createDirectories(filesDir.resolve("home"));
        Path temp = Files.createDirectories(filesDir.resolve("tmp"));
        List<String> binds = new ArrayList<>(List.of(
                workspace + ":" + WORKSPACE,
                files.output().getParent() + ":" + FILE_COMMANDS,
                temp + ":" + RUNNER_TEMP,
                home + ":" + HOME));
        Path event = filesDir.resolve("event.json");
        if (!Files.exists(event)) Files.writeString(event, "{}");
        binds.add(event + ":" + EVENT + ":ro");
        return new ActionContainers.Request(
                image,
                "runway-" + name,
                entrypoint == null || entrypoint.isBlank() ? null : List.of(entrypoint),
                args,
                env,
                binds,
                WORKSPACE,
                network,
                job);
    }
}
