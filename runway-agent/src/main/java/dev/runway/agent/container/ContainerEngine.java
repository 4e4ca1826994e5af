package dev.runway.agent.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.InvocationBuilder;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.runway.agent.isolation.JobLimits;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The container engine as the agent uses it: Docker's Engine API, or Podman's compatible one, through docker-java.
 * Everything it creates carries the labels it is given ({@code runway.agent}, {@code runway.job}) so a restarted
 * agent can find and remove what a killed one left.
 */
public final class ContainerEngine implements Closeable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ContainerEngine.class);

    public static final String LABEL_AGENT = "runway.agent";
    public static final String LABEL_JOB = "runway.job";

    /** The engine's answer, as a message for the job's log. */
    public static final class EngineException extends Exception {
        EngineException(String message) {
            super(message);
        }
    }

    private final String host;
    private final DockerClient client;
    private final ApacheDockerHttpClient http;

    private ContainerEngine(String host) {
        this.host = host;
        DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .build();
        this.http = new ApacheDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .maxConnections(64)
                .build();
        this.client = DockerClientImpl.getInstance(cfg, http);
    }

    /**
     * The engine at {@code host} ({@code unix:///path} or {@code tcp://host:port}); null picks {@code DOCKER_HOST},
     * then Docker's and Podman's usual sockets.
     */
    public static ContainerEngine connect(String host) {
        return new ContainerEngine(host != null && !host.isBlank() ? host : defaultHost(System.getenv()));
    }

    /** The Unix socket of the engine at {@code host} (null: the one {@link #connect} picks), or null for TCP. */
    public static Path socket(String host) {
        String h = host != null && !host.isBlank() ? host : defaultHost(System.getenv());
        return h.startsWith("unix://") ? Path.of(h.substring("unix://".length())) : null;
    }

    static String defaultHost(Map<String, String> env) {
        String fromEnv = env.get("DOCKER_HOST");
        if (fromEnv != null && !fromEnv.isBlank()) return fromEnv;
        for (String socket : List.of("/var/run/docker.sock", "/run/podman/podman.sock")) {
            if (Files.exists(Path.of(socket))) return "unix://" + socket;
        }
        return "unix:///var/run/docker.sock";
    }

    /** The docker-java client itself, for tests that build images. */
    DockerClient client() {
        return client;
    }

    public String host() {
        return host;
    }

    /** Answers when the engine is reachable, or says why not. */
    public void ping() throws EngineException {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new EngineException("cannot reach the container engine at " + host + ": " + message(e));
        }
    }

    /** The image's configuration (environment, healthcheck), pulling it first when the engine does not have it. */
    public InspectImageResponse ensureImage(String image, Map<String, String> credentials, Consumer<String> progress)
            throws EngineException, InterruptedException {
        try {
            return client.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            // pull below
        } catch (RuntimeException e) {
            throw new EngineException("cannot inspect image '" + image + "': " + message(e));
        }
        progress.accept("[runway] pulling image " + image);
        List<String> errors = new ArrayList<>();
        Map<String, String> lastStatus = new LinkedHashMap<>();
        long started = System.nanoTime();
        try {
            var cmd = client.pullImageCmd(image);
            if (credentials != null && credentials.get("username") != null) {
                cmd = cmd.withAuthConfig(new AuthConfig()
                        .withUsername(credentials.get("username"))
                        .withPassword(credentials.get("password")));
            }
            cmd.exec(new ResultCallback.Adapter<PullResponseItem>() {
                        @Override
                        public void onNext(PullResponseItem item) {
                            if (item.getErrorDetail() != null
                                    && item.getErrorDetail().getMessage() != null) {
                                errors.add(item.getErrorDetail().getMessage());
                            } else if (item.getError() != null) {
                                errors.add(item.getError());
                            }
                            String status = item.getStatus();
                            if (status == null || status.isBlank()) return;
                            String layer = item.getId() == null ? "" : item.getId();
                            // one line per layer and state change, not one per progress tick
                            if (!status.equals(lastStatus.put(layer, status))) {
                                progress.accept("[runway]   " + (layer.isEmpty() ? "" : layer + ": ") + status.strip());
                            }
                        }
                    })
                    .awaitCompletion();
        } catch (RuntimeException e) {
            errors.add(message(e));
        }
        try {
            InspectImageResponse r = client.inspectImageCmd(image).exec();
            progress.accept("[runway] pulled image " + image + " in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            return r;
        } catch (RuntimeException e) {
            throw new EngineException("image '" + image + "' is not on this runner's container engine and could not be"
                    + " pulled" + (errors.isEmpty() ? "" : ": " + String.join("; ", errors))
                    + " (an air-gapped runner needs the image loaded beforehand, e.g. with `docker load` or `podman"
                    + " load`)");
        }
    }

    /**
     * Imports a root filesystem tarball as {@code repository:tag} (for images built without a registry). Sent as a
     * plain request through the client's transport: docker-java's import command sends a body Podman refuses.
     */
    public void importImage(String repository, String tag, java.io.InputStream tar) throws EngineException {
        var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
                .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.POST)
                .path(
                        "/images/create?fromSrc=-&repo=" // the tag goes in repo: Podman ignores the tag parameter here
                                + java.net.URLEncoder.encode(
                                        repository + ":" + tag, java.nio.charset.StandardCharsets.UTF_8))
                .putHeader("Content-Type", "application/x-tar")
                .body(tar)
                .build();
        try (var response = http.execute(request)) {
            String body = new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (response.getStatusCode() / 100 != 2 || body.contains("\"error")) {
                throw new EngineException("cannot import image " + repository + ":" + tag + ": HTTP "
                        + response.getStatusCode() + " " + body);
            }
        } catch (IOException | RuntimeException e) {
            throw new EngineException("cannot import image " + repository + ":" + tag + ": " + message(e));
        }
    }

    public boolean hasImage(String image) {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Removes an image (a no-op when it is gone already). */
    public void removeImage(String image) {
        try {
            client.removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ContainerEngine.class)
                    .warn("cannot remove image {}: {}", image, message(e));
        }
    }

    public String createNetwork(String name, Map<String, String> labels) throws EngineException {
        try {
            return client.createNetworkCmd()
                    .withName(name)
                    .withDriver("bridge")
                    .withLabels(labels)
                    .exec()
                    .getId();
        } catch (RuntimeException e) {
            throw new EngineException("cannot create network " + name + ": " + message(e));
        }
    }

    /** What to run in a container. */
    public record ContainerRequest(
            String image,
            String name,
            Map<String, String> labels,
            List<String> env,
            List<String> entrypoint,
            List<String> cmd,
            String network,
            List<String> aliases,
            List<String> binds,
            JobLimits limits,
            String user,
            String workdir) {}

    /** Creates and starts a container; returns its id. */
    public String start(ContainerRequest r) throws EngineException {
        String id = null;
        try {
            HostConfig hc = HostConfig.newHostConfig().withNetworkMode(r.network());
            if (!r.binds().isEmpty()) {
                hc.withBinds(r.binds().stream().map(ContainerEngine::bind).toList());
            }
            JobLimits l = r.limits();
            if (l.memoryBytes() != null) hc.withMemory(l.memoryBytes()).withMemorySwap(l.memoryBytes());
            if (l.cpus() != null) hc.withNanoCPUs(Math.round(l.cpus() * 1e9));
            if (l.pids() != null) hc.withPidsLimit(l.pids().longValue());
            CreateContainerCmd cmd = client.createContainerCmd(r.image())
                    .withName(r.name())
                    .withLabels(r.labels())
                    .withEnv(r.env())
                    .withHostConfig(hc)
                    .withStopTimeout(1);
            if (r.entrypoint() != null) cmd.withEntrypoint(r.entrypoint());
            if (r.cmd() != null) cmd.withCmd(r.cmd());
            if (!r.aliases().isEmpty()) cmd.withAliases(r.aliases());
            if (r.user() != null) cmd.withUser(r.user());
            if (r.workdir() != null) cmd.withWorkingDir(r.workdir());
            id = cmd.exec().getId();
            client.startContainerCmd(id).exec();
            return id;
        } catch (RuntimeException e) {
            if (id != null) remove(id);
            throw new EngineException(
                    "cannot start container " + r.name() + " from image '" + r.image() + "': " + message(e));
        }
    }

    private static Bind bind(String spec) {
        String[] p = spec.split(":");
        return p.length >= 3
                ? new Bind(
                        p[0],
                        new Volume(p[1]),
                        com.github.dockerjava.api.model.AccessMode.fromBoolean(!p[2].contains("ro")))
                : new Bind(p[0], new Volume(p.length > 1 ? p[1] : p[0]));
    }

    /**
     * Builds {@code dockerfile} (relative to {@code contextDir}) with {@code contextDir} as the build context and tags
     * the image {@code tag}; its output goes to {@code progress} line by line. A failed build's exception ends with
     * the last lines of the build's output, where the reason usually is.
     */
    public void build(
            Path contextDir, String dockerfile, String tag, Map<String, String> labels, Consumer<String> progress)
            throws EngineException, InterruptedException {
        java.util.ArrayDeque<String> tail = new java.util.ArrayDeque<>();
        List<String> errors = new ArrayList<>();
        Consumer<String> line = l -> {
            if (tail.size() == BUILD_TAIL_LINES) tail.removeFirst();
            tail.addLast(l);
            progress.accept(l);
        };
        try {
            client.buildImageCmd()
                    .withBaseDirectory(contextDir.toFile())
                    .withDockerfile(contextDir.resolve(dockerfile).toFile())
                    .withTags(java.util.Set.of(tag))
                    .withLabels(labels)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true) // a failed build leaves no half-built container behind
                    .exec(new ResultCallback.Adapter<BuildResponseItem>() {
                        @Override
                        public void onNext(BuildResponseItem item) {
                            if (item.getErrorDetail() != null
                                    && item.getErrorDetail().getMessage() != null) {
                                errors.add(item.getErrorDetail().getMessage());
                            } else if (item.getError() != null) {
                                errors.add(item.getError());
                            }
                            String s = item.getStream();
                            if (s != null) s.lines().filter(l -> !l.isBlank()).forEach(line);
                        }
                    })
                    .awaitCompletion();
        } catch (RuntimeException e) {
            errors.add(message(e));
        }
        if (errors.isEmpty() && hasImage(tag)) return;
        throw new EngineException("building " + dockerfile + " failed"
                + (errors.isEmpty() ? "" : ": " + String.join("; ", errors).strip())
                + (tail.isEmpty() ? "" : "; the build's last lines:\n" + String.join("\n", tail)));
    }

    static final int BUILD_TAIL_LINES = 20;

    /**
     * Follows a started container: its output (stdout and stderr, from its start) goes to {@code out} as it arrives;
     * the answer ends when the container has. The engine's follow stream is not trusted to end: Podman's can miss
     * the exit of a container that ends as the stream starts (podman#6627, #11461) and then stays open for ever. So
     * the container's state is asked every {@link #FOLLOW_POLL}; once it has ended, the stream gets
     * {@link #FOLLOW_GRACE} to finish, and if it does not, it is closed and the rest of the container's log is read
     * without following, after the bytes the stream delivered.
     */
    public Exec follow(String id, Output out) throws EngineException {
        FollowedOutput counted = new FollowedOutput(out);
        Frames callback = frames(counted);
        try {
            client.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withFollowStream(true)
                    .exec(callback);
        } catch (RuntimeException e) {
            throw new EngineException("cannot follow container " + id + ": " + message(e));
        }
        return followed(id, callback, counted, out);
    }

    /** {@link #follow}'s answer on a stream already started: {@code callback} gets it, through {@code counted}. */
    Exec followed(String id, Frames callback, FollowedOutput counted, Output out) {
        java.util.function.Supplier<Long> exit = () -> {
            var st = client.inspectContainerCmd(id).exec().getState();
            return Boolean.TRUE.equals(st.getRunning()) ? null : st.getExitCodeLong();
        };
        // the log stream can end a moment before the engine records the exit
        Exec streamed = streamed(callback, 200, exit);
        return new Exec() {
            @Override
            public boolean await(long nanos) throws InterruptedException {
                long deadline = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + Math.max(0, nanos);
                while (true) {
                    long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (callback.waitEnd(Math.max(0, Math.min(left, FOLLOW_POLL.toNanos())))) return true;
                    if (ended()) {
                        if (callback.waitEnd(FOLLOW_GRACE.toNanos())) return true;
                        log.warn("the engine's log stream of container {} did not end with it; reading the rest", id);
                        long delivered = counted.stop();
                        try {
                            callback.close();
                        } catch (IOException ignored) {
                            // closing a stream that is stuck
                        }
                        rest(id, delivered, out);
                        return true;
                    }
                    if (left != Long.MAX_VALUE && deadline - System.nanoTime() <= 0) return false;
                }
            }

            /** True when the container is no longer running, or gone. */
            private boolean ended() {
                try {
                    return exit.get() != null;
                } catch (NotFoundException e) {
                    return true;
                } catch (RuntimeException e) {
                    return false; // the engine did not answer: ask again at the next poll
                }
            }

            @Override
            public int exitCode() {
                return streamed.exitCode();
            }
        };
    }

    static final Duration FOLLOW_POLL = Duration.ofMillis(500);
    static final Duration FOLLOW_GRACE = Duration.ofSeconds(2);

    /** Writes what the container logged after its first {@code skip} bytes (stdout and stderr as one stream). */
    private void rest(String id, long skip, Output out) throws InterruptedException {
        long[] seen = {0};
        try {
            client.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            byte[] b = f.getPayload();
                            if (b == null) return;
                            long start = seen[0];
                            seen[0] += b.length;
                            int from = (int) Math.max(0, Math.min(b.length, skip - start));
                            if (from < b.length) out.write(b, from, b.length - from);
                        }
                    })
                    .awaitCompletion(30, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            String m = "\n[runway] the rest of this container's output could not be read: " + message(e) + "\n";
            byte[] b = m.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
        }
    }

    /** Counts what a follow stream delivered, and drops what it delivers once it is given up on. */
    static final class FollowedOutput implements Output {
        private final Output out;
        private long written;
        private boolean stopped;

        FollowedOutput(Output out) {
            this.out = out;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (stopped) return;
            out.write(b, off, len);
            written += len;
        }

        /** No more writes; returns how many bytes were written. */
        synchronized long stop() {
            stopped = true;
            return written;
        }
    }

    /** A callback that copies a stream's frames to {@code out}. */
    private static Frames frames(Output out) {
        return new Frames(out);
    }

    /**
     * A stream's frames, copied to an {@link Output}. Waiting for its end does not close it: docker-java's own
     * {@code awaitCompletion(timeout)} closes the stream when the time is up, which would lose the rest of it.
     */
    static class Frames extends ResultCallback.Adapter<Frame> {
        private final Output out;
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

        Frames(Output out) {
            this.out = out;
        }

        @Override
        public void onNext(Frame f) {
            byte[] b = f.getPayload();
            if (b != null && out != null) out.write(b, 0, b.length);
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                ended.countDown();
            }
        }

        /** Waits up to {@code nanos} for the stream's end; true when it has ended. */
        boolean waitEnd(long nanos) throws InterruptedException {
            if (nanos == Long.MAX_VALUE) {
                ended.await();
                return true;
            }
            return ended.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A started process whose output streams through {@code callback}; its exit code is what {@code exitCode}
     * reports once the engine has recorded it (null until then), asked up to {@code tries} times 10 ms apart.
     */
    private static Exec streamed(Frames callback, int tries, java.util.function.Supplier<Long> exitCode) {
        return new Exec() {
            @Override
            public boolean await(long nanos) throws InterruptedException {
                return callback.waitEnd(nanos);
            }

            @Override
            public int exitCode() {
                for (int i = 0; i < tries; i++) {
                    try {
                        Long code = exitCode.get();
                        if (code != null) return code.intValue();
                        Thread.sleep(10); // polling the engine's record, not synchronising threads
                    } catch (RuntimeException e) {
                        return -1;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                return -1;
            }
        };
    }

    /** The pid of the container's first process as the host sees it (0 when it is not running). */
    public long pid(String id) throws EngineException {
        try {
            Long pid = client.inspectContainerCmd(id).exec().getState().getPidLong();
            return pid == null ? 0 : pid;
        } catch (RuntimeException e) {
            throw new EngineException("cannot inspect container " + id + ": " + message(e));
        }
    }

    /** Whether the container is running, and if not, its state as the engine puts it. */
    public String state(String id) {
        try {
            var s = client.inspectContainerCmd(id).exec().getState();
            return Boolean.TRUE.equals(s.getRunning())
                    ? "running"
                    : s.getStatus() + " (exit code " + s.getExitCodeLong()
                            + (Boolean.TRUE.equals(s.getOOMKilled()) ? ", killed for going over its memory limit" : "")
                            + ")";
        } catch (RuntimeException e) {
            return "unknown (" + message(e) + ")";
        }
    }

    /** A command started in a running container. */
    public interface Exec {
        /** Waits up to {@code nanos}; true when it has ended. */
        boolean await(long nanos) throws InterruptedException;

        /** Its exit code once it has ended (-1 if the engine cannot tell). */
        int exitCode();
    }

    /** Starts {@code cmd} in the container; its output goes to {@code out} as it arrives. */
    public Exec exec(String id, List<String> cmd, List<String> env, String workdir, String user, Output out)
            throws EngineException {
        String execId;
        try {
            var create = client.execCreateCmd(id)
                    .withCmd(cmd.toArray(String[]::new))
                    .withEnv(env)
                    .withAttachStdout(true)
                    .withAttachStderr(true);
            if (workdir != null) create.withWorkingDir(workdir);
            if (user != null) create.withUser(user);
            execId = create.exec().getId();
        } catch (RuntimeException e) {
            throw new EngineException(
                    "cannot run a command in container " + id + ": " + message(e) + " (container " + state(id) + ")");
        }
        Frames callback = frames(out);
        try {
            client.execStartCmd(execId).exec(callback);
        } catch (RuntimeException e) {
            throw new EngineException("cannot run a command in container " + id + ": " + message(e));
        }
        // the stream can end a moment before the engine records the exit code
        String started = execId;
        return streamed(callback, 100, () -> {
            var r = client.inspectExecCmd(started).exec();
            return Boolean.TRUE.equals(r.isRunning()) ? null : r.getExitCodeLong();
        });
    }

    /** Where an exec's output goes. */
    public interface Output {
        void write(byte[] b, int off, int len);
    }

    /** Runs {@code cmd} in the container to its end; returns its exit code and output. */
    public Result run(String id, List<String> cmd, Duration timeout) throws EngineException, InterruptedException {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        Exec e = exec(id, cmd, List.of(), null, null, (b, off, len) -> {
            synchronized (buf) {
                if (buf.size() < 64 * 1024) buf.write(b, off, len);
            }
        });
        if (!e.await(timeout.toNanos())) return new Result(-1, "timed out after " + timeout.toSeconds() + " s");
        synchronized (buf) {
            return new Result(e.exitCode(), buf.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    public record Result(int exitCode, String output) {}

    /** CPU time in seconds the container used so far, from the engine's statistics; null if it does not say. */
    public Double cpuSeconds(String id) {
        try (var cb = new InvocationBuilder.AsyncResultCallback<Statistics>()) {
            Statistics s = client.statsCmd(id).withNoStream(true).exec(cb).awaitResult();
            Long ns = s == null || s.getCpuStats() == null || s.getCpuStats().getCpuUsage() == null
                    ? null
                    : s.getCpuStats().getCpuUsage().getTotalUsage();
            return ns == null ? null : ns / 1e9;
        } catch (RuntimeException | IOException e) {
            return null;
        }
    }

    /** The last lines a container wrote (for a service that failed its health check). */
    public String logs(String id, int lines) {
        StringBuilder b = new StringBuilder();
        try {
            client.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withTail(lines)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            b.append(new String(f.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
                        }
                    })
                    .awaitCompletion(5, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            b.append("(no logs: ").append(message(e)).append(')');
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return b.toString();
    }

    /** Kills and removes a container (a no-op when it is gone already). */
    public void remove(String id) {
        try {
            client.killContainerCmd(id).exec();
        } catch (RuntimeException e) {
            // not running, or gone
        }
        try {
            client.removeContainerCmd(id)
                    .withForce(true)
                    .withRemoveVolumes(true)
                    .exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ContainerEngine.class)
                    .warn("cannot remove container {}: {}", id, message(e));
        }
    }

    public void removeNetwork(String id) {
        try {
            client.removeNetworkCmd(id).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ContainerEngine.class)
                    .warn("cannot remove network {}: {}", id, message(e));
        }
    }

    /** Containers carrying all of {@code labels} (running or not), by id. */
    public List<String> containers(Map<String, String> labels) {
        return client.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().stream()
                .map(Container::getId)
                .toList();
    }

    /** Networks carrying all of {@code labels}, by id. */
    public List<String> networks(Map<String, String> labels) {
        List<String> filter = labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        return client.listNetworksCmd().withFilter("label", filter).exec().stream()
                .map(Network::getId)
                .toList();
    }

    /** Removes every container and network carrying {@code labels}; returns how many it removed. */
    public int removeAll(Map<String, String> labels) {
        int n = 0;
        for (String c : containers(labels)) {
            remove(c);
            n++;
        }
        for (String net : networks(labels)) {
            removeNetwork(net);
            n++;
        }
        return n;
    }

    static String message(Throwable e) {
        if (e instanceof DockerException d && d.getMessage() != null) {
            String m = d.getMessage();
            String engine = engineMessage(m);
            return engine != null ? engine : m;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /**
     * The {@code message} of the engine's JSON error body ({@code Status 500: {"message":"..."}}), escapes and
     * quotes included; null when the text carries no such body.
     */
    static String engineMessage(String text) {
        int start = text.indexOf('{');
        if (start < 0) return null;
        try {
            com.fasterxml.jackson.databind.JsonNode body =
                    dev.runway.protocol.Json.lenient().readTree(text.substring(start));
            com.fasterxml.jackson.databind.JsonNode message = body == null ? null : body.get("message");
            return message != null && message.isTextual() ? message.asText() : null;
        } catch (IOException e) {
            return null; // not JSON after all: the text as it is
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // closing the connection pool
        }
    }
}
