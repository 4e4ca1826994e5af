package dev.runway.agent.container;

import dev.runway.agent.actions.ActionContainers;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.StepHost;
import dev.runway.agent.isolation.JobLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Docker actions on the runner's container engine, connected at the first one: images built from an action's
 * Dockerfile are tagged by the content of the build context ({@code localhost/runway-action:<hash>}), so a second
 * run of the same action reuses the image and a changed action gets a new one; {@code docker://} images are the
 * engine's copy, else pulled. Containers carry the labels {@code runway.agent} and {@code runway.job}; the first
 * connection removes the ones a killed agent with the same key left (the container executor's start does that for
 * an engine it shares).
 */
public final class EngineActionContainers implements ActionContainers {
    /** The repository of images built from actions' Dockerfiles. */
    public static final String REPOSITORY = "localhost/runway-action";

    /** On images built from an action: the Dockerfile's path in the action. */
    public static final String LABEL_ACTION = "runway.action";

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EngineActionContainers.class);

    private final String host;
    private final String agentKey;
    private final JobLimits limits;
    private ContainerEngine engine;

    /**
     * @param host the engine's address; null: {@code DOCKER_HOST}, then Docker's and Podman's usual sockets
     * @param limits what each action container may use (the runner's job limits)
     */
    public EngineActionContainers(String host, JobLimits limits, String agentKey) {
        this.host = host;
        this.limits = limits == null ? JobLimits.NONE : limits;
        this.agentKey = agentKey;
    }

    /** On an engine the agent has connected already (the container executor's). */
    public EngineActionContainers(ContainerEngine engine, JobLimits limits, String agentKey) {
        this(engine.host(), limits, agentKey);
        this.engine = engine;
    }

    /** The engine, connected now if it was not; tried again next time if it cannot be reached. */
    private synchronized ContainerEngine engine() throws Unavailable {
        if (engine != null) return engine;
        ContainerEngine e = ContainerEngine.connect(host);
        try {
            e.ping();
        } catch (ContainerEngine.EngineException x) {
            e.close();
            throw new Unavailable("Docker actions need a container engine: " + x.getMessage()
                    + " (start Docker, or Podman's API with `systemctl start podman.socket` or `podman system service"
                    + " --time=0 unix:///run/podman/podman.sock`, or give the agent --engine <address>)");
        }
        // nothing of this agent's runs in the engine yet: what carries its key was left by a killed one
        try {
            int n = e.removeAll(Map.of(ContainerEngine.LABEL_AGENT, agentKey));
            if (n > 0) log.info("removed {} action container(s) a previous run left in {}", n, e.host());
        } catch (RuntimeException x) {
            log.warn("cannot look for action containers a previous run left in {}: {}", e.host(), x.toString());
        }
        engine = e;
        return e;
    }

    @Override
    public String image(Path actionDir, String image, Consumer<String> progress)
            throws Unavailable, InterruptedException {
        if (image.startsWith("docker://")) {
            String name = image.substring("docker://".length());
            if (name.isBlank()) throw new Unavailable("image 'docker://' names no image");
            try {
                engine().ensureImage(name, null, progress);
            } catch (ContainerEngine.EngineException e) {
                throw new Unavailable(e.getMessage());
            }
            return name;
        }
        Path dockerfile = actionDir.resolve(image).normalize();
        if (!dockerfile.startsWith(actionDir) || !Files.isRegularFile(dockerfile))
            throw new Unavailable("image '" + image + "' is neither docker://<image> nor a Dockerfile in the action");
        Path context = dockerfile.getParent();
        String tag;
        try {
            tag = REPOSITORY + ":"
                    + contentHash(context, dockerfile.getFileName().toString());
        } catch (IOException e) {
            throw new Unavailable("cannot read the action's files in " + context + ": " + e.getMessage());
        }
        ContainerEngine e = engine();
        if (e.hasImage(tag)) {
            progress.accept("[runway] using image " + tag + ", built from this action's " + image + " before");
            return tag;
        }
        progress.accept("[runway] building image " + tag + " from the action's " + image);
        long start = System.nanoTime();
        try {
            e.build(
                    context,
                    dockerfile.getFileName().toString(),
                    tag,
                    Map.of(LABEL_ACTION, image),
                    line -> progress.accept("  " + line));
        } catch (ContainerEngine.EngineException x) {
            throw new Unavailable(x.getMessage());
        }
        progress.accept("[runway] built image " + tag + " in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        return tag;
    }

    /**
     * A short hash of what a build sees: every file's path, executable bit and bytes under {@code context} (but
     * {@code .git}), and which Dockerfile is built.
     */
    static String contentHash(Path context, String dockerfile) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(dockerfile.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(context)) {
            files = walk.filter(p -> !context.relativize(p).startsWith(".git"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        }
        byte[] buf = new byte[64 * 1024];
        for (Path f : files) {
            sha.update(context.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) (Files.isExecutable(f) ? 1 : 0));
            sha.update(Long.toString(Files.size(f)).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    @Override
    public StepHost.Running start(Request r, Executor.Output out) throws IOException {
        ContainerEngine e;
        String id;
        ContainerEngine.Exec followed;
        try {
            e = engine();
            id = e.start(new ContainerEngine.ContainerRequest(
                    r.image(),
                    r.name(),
                    Map.of(ContainerEngine.LABEL_AGENT, agentKey, ContainerEngine.LABEL_JOB, r.job()),
                    r.env().entrySet().stream()
                            .map(v -> v.getKey() + "=" + v.getValue())
                            .toList(),
                    r.entrypoint(),
                    r.args(),
                    r.network(),
                    List.of(),
                    r.binds(),
                    limits,
                    null,
                    r.workdir()));
        } catch (Unavailable | ContainerEngine.EngineException x) {
            throw new IOException(x.getMessage());
        }
        try {
            followed = e.follow(id, out::write);
        } catch (ContainerEngine.EngineException x) {
            e.remove(id);
            throw new IOException(x.getMessage());
        }
        return new StepHost.Running() {
            private int exitCode = -1;

            @Override
            public boolean waitFor(long nanos) throws InterruptedException {
                return followed.await(nanos);
            }

            @Override
            public void kill() {
                e.remove(id);
            }

            @Override
            public int exitCode() {
                return exitCode;
            }

            @Override
            public void finish(boolean exitedByItself) throws InterruptedException {
                if (exitedByItself) exitCode = followed.exitCode();
                else followed.await(TimeUnit.SECONDS.toNanos(5));
                e.remove(id);
            }
        };
    }
}
