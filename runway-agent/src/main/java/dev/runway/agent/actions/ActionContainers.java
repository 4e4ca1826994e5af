package dev.runway.agent.actions;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.StepHost;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where Docker container actions ({@code runs.using: docker}) run: the runner's container engine, under every
 * executor (GitHub's runner, too, runs them on the host's Docker even when the job itself runs on the host). The
 * engine is reached when the first such action runs, so runners that never meet one need none.
 */
public interface ActionContainers {
    /** No engine: every Docker action fails with the reason. */
    ActionContainers NONE = new ActionContainers() {
        @Override
        public String image(Path actionDir, String image, Consumer<String> progress) throws Unavailable {
            throw new Unavailable("Docker actions need a container engine, and this runner has none configured");
        }

        @Override
        public StepHost.Running start(Request request, Executor.Output out) throws IOException {
            throw new IOException("no container engine");
        }
    };

    /** Why a Docker action cannot run here (no engine, a failed build, an unknown image); for the job's log. */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    /**
     * One run of an action's container.
     *
     * @param entrypoint replaces the image's entrypoint; null keeps it
     * @param args the arguments; null: the image's {@code CMD}
     * @param binds {@code host-path:container-path[:ro]}
     * @param network the network to join; null: the engine's default
     * @param job the job's key ({@code runway.job} label), so what a killed agent left is found again
     */
    record Request(
            String image,
            String name,
            List<String> entrypoint,
            List<String> args,
            Map<String, String> env,
            List<String> binds,
            String workdir,
            String network,
            String job) {}

    /**
     * The image of an action: {@code image} is {@code docker://name[:tag]} (the engine's copy, else pulled) or the
     * path of a Dockerfile in {@code actionDir} (built once per content of its directory, then reused). Returns the
     * image's name for {@link Request#image()}.
     */
    String image(Path actionDir, String image, Consumer<String> progress) throws Unavailable, InterruptedException;

    /**
     * Starts a container; its output goes to {@code out} as it arrives. It is removed once it has ended and {@link
     * StepHost.Running#finish} was called, or when it is killed.
     */
    StepHost.Running start(Request request, Executor.Output out) throws IOException;
}
