package dev.runway.scaler.provider.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runners as containers, through Docker's Engine API or Podman's compatible one. Each instance is one container named
 * after it and carrying the {@link Labels scaler's labels}, which is all the state there is: a restarted scaler finds
 * its containers by label. Containers are not auto-removed, so a runner that exited stays visible (with its exit
 * code) until the scaler reaps it with {@link #remove}.
 */
public final class ContainerProvider implements Provider {
    /** How long a runner has to finish on SIGTERM (hand its job back, deregister) before it is killed. */
    static final int STOP_GRACE_SECONDS = 10;

    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);
    /** States in which a container still counts as a runner: {@code created} is one being started right now. */
    private static final Set<String> RUNNING = Set.of("running", "created");

    private final ContainerSettings settings;
    private final String scalerId;
    private final String pool;
    private final ApacheDockerHttpClient http;
    private final DockerClient client;

    public ContainerProvider(ContainerSettings settings, String scalerId, String pool) {
        this.settings = settings;
        this.scalerId = scalerId;
        this.pool = pool;
        DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(settings.engine())
                .build();
        this.http = new ApacheDockerHttpClient.Builder()
                .dockerHost(cfg.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(5))
                .maxConnections(16)
                .build();
        this.client = DockerClientImpl.getInstance(cfg, http);
    }

    @Override
    public Instance start(Launch launch) throws IOException {
        if (launch.image() == null || launch.image().isBlank()) {
            throw new IOException("pool " + pool + ": the container provider needs an image to run: set the pool's"
                    + " agent.image (an image with the runway agent in it)");
        }
        ensureImage(launch.image());
        // the scaler's labels whatever the launch says, so list() always finds what start() made
        Map<String, String> labels = new LinkedHashMap<>(launch.labels());
        labels.putIfAbsent(Labels.INSTANCE, launch.name());
        labels.putIfAbsent(Labels.VARIANT, launch.variant());
        labels.put(Labels.SCALER, scalerId);
        labels.put(Labels.POOL, pool);
        HostConfig host =
                HostConfig.newHostConfig().withNetworkMode(settings.network()).withAutoRemove(false);
        if (!settings.volumes().isEmpty())
            host.withBinds(
                    settings.volumes().stream().map(ContainerProvider::bind).toList());
        if (settings.cpus() != null) host.withNanoCPUs(Math.round(settings.cpus() * 1e9));
        // no swap beyond the limit: a runner over its memory is killed, not slowed to a crawl
        if (settings.memoryBytes() != null)
            host.withMemory(settings.memoryBytes()).withMemorySwap(settings.memoryBytes());
        if (settings.pidsLimit() != null) host.withPidsLimit(settings.pidsLimit());
        List<String> env = new ArrayList<>();
        launch.env().forEach((k, v) -> env.add(k + "=" + v));
        String id = null;
        try {
            CreateContainerCmd create = client.createContainerCmd(launch.image())
                    .withName(launch.name())
                    .withLabels(labels)
                    .withEnv(env)
                    .withHostConfig(host)
                    .withStopTimeout(STOP_GRACE_SECONDS);
            // the whole command line, in place of the image's entrypoint (as a pod's command): an image whose
            // entrypoint is `runway` (Runway's own) must not run `runway runway agent`
            if (launch.command() != null)
                create.withEntrypoint(launch.command()).withCmd(List.of());
            if (settings.user() != null) create.withUser(settings.user());
            id = create.exec().getId();
            client.startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            if (id != null) removeQuietly(id);
            throw new IOException(
                    "cannot start container " + launch.name() + " from image '" + launch.image() + "' on "
                            + settings.engine() + ": " + message(e),
                    e);
        }
        return new Instance(
                launch.name(),
                pool,
                launch.variant(),
                Instant.now(),
                true,
                "container " + id.substring(0, Math.min(12, id.length())));
    }

    /** Makes sure the engine has {@code image}, pulling it as the pool's {@code pull} setting says. */
    private void ensureImage(String image) throws IOException {
        if (settings.pull() != ContainerSettings.Pull.ALWAYS) {
            try {
                client.inspectImageCmd(image).exec();
                return;
            } catch (NotFoundException e) {
                if (settings.pull() == ContainerSettings.Pull.NEVER) {
                    throw new IOException("image '" + image + "' is not on the container engine at "
                            + settings.engine() + " and the pool's container.pull is never: load it there first"
                            + " (docker load / podman load) or set pull: missing");
                }
            } catch (RuntimeException e) {
                throw engineProblem("cannot inspect image '" + image + "'", e);
            }
        }
        List<String> errors = new ArrayList<>();
        String[] ref = repositoryAndTag(image);
        try {
            boolean done = client.pullImageCmd(ref[0])
                    .withTag(ref[1])
                    .exec(new ResultCallback.Adapter<PullResponseItem>() {
                        @Override
                        public void onNext(PullResponseItem item) {
                            if (item.getErrorDetail() != null
                                    && item.getErrorDetail().getMessage() != null) {
                                errors.add(item.getErrorDetail().getMessage());
                            } else if (item.getError() != null) {
                                errors.add(item.getError());
                            }
                        }
                    })
                    .awaitCompletion(PULL_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            if (!done) errors.add("still pulling after " + PULL_TIMEOUT.toMinutes() + " minutes");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while pulling image '" + image + "'");
        } catch (RuntimeException e) {
            errors.add(message(e));
        }
        try {
            client.inspectImageCmd(image).exec();
        } catch (RuntimeException e) {
            throw new IOException("image '" + image + "' is not on the container engine at " + settings.engine()
                    + " and could not be pulled" + (errors.isEmpty() ? "" : ": " + String.join("; ", errors))
                    + " (check the pool's agent.image; without a registry, load the image on the engine first)");
        }
    }

    /** {@code repo[:tag|@digest]} as the pull API wants it: an image without a tag means {@code latest}. */
    static String[] repositoryAndTag(String image) {
        int at = image.indexOf('@');
        if (at >= 0) return new String[] {image.substring(0, at), image.substring(at + 1)};
        int colon = image.lastIndexOf(':');
        if (colon > image.lastIndexOf('/')) return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        return new String[] {image, "latest"};
    }

    private static Bind bind(String spec) {
        String[] p = spec.split(":");
        return new Bind(p[0], new Volume(p[1]), p.length > 2 && p[2].equals("ro") ? AccessMode.ro : AccessMode.rw);
    }

    @Override
    public List<Instance> list() throws IOException {
        List<Instance> out = new ArrayList<>();
        for (Container c : containers(Map.of())) {
            Map<String, String> l = c.getLabels();
            String name = l.getOrDefault(Labels.INSTANCE, containerName(c));
            String state = c.getState() == null ? "unknown" : c.getState().toLowerCase(java.util.Locale.ROOT);
            boolean running = RUNNING.contains(state);
            String detail = state;
            if (!running) {
                try {
                    detail = ended(client.inspectContainerCmd(c.getId()).exec().getState());
                } catch (NotFoundException e) {
                    continue; // removed since the listing
                } catch (RuntimeException e) {
                    detail = state + " (" + message(e) + ")";
                }
            }
            Instant created = c.getCreated() == null ? Instant.EPOCH : Instant.ofEpochSecond(c.getCreated());
            out.add(new Instance(name, pool, l.get(Labels.VARIANT), created, running, detail));
        }
        return out;
    }

    /** How a container that is not running ended: its state, exit code and why, when the engine says. */
    private static String ended(com.github.dockerjava.api.command.InspectContainerResponse.ContainerState s) {
        StringBuilder b = new StringBuilder(s.getStatus() == null ? "exited" : s.getStatus());
        b.append(" (exit code ").append(s.getExitCodeLong());
        if (Boolean.TRUE.equals(s.getOOMKilled())) b.append(", killed for going over its memory limit");
        if (s.getError() != null && !s.getError().isBlank()) b.append(", ").append(s.getError());
        return b.append(')').toString();
    }

    @Override
    public void remove(String instanceName) throws IOException {
        // by label, not by name: a container of that name that this scaler did not start is left alone
        for (Container c : containers(Map.of(Labels.INSTANCE, instanceName))) {
            try {
                client.stopContainerCmd(c.getId())
                        .withTimeout(STOP_GRACE_SECONDS)
                        .exec();
            } catch (NotFoundException | NotModifiedException e) {
                // gone, or not running
            } catch (RuntimeException e) {
                // removing with force below kills it
            }
            try {
                client.removeContainerCmd(c.getId())
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            } catch (NotFoundException e) {
                // gone already
            } catch (RuntimeException e) {
                throw engineProblem("cannot remove container " + instanceName, e);
            }
        }
    }

    /** This pool's containers of this scaler (running or not) that also carry {@code more} labels. */
    private List<Container> containers(Map<String, String> more) throws IOException {
        Map<String, String> want = new LinkedHashMap<>();
        want.put(Labels.SCALER, scalerId);
        want.put(Labels.POOL, pool);
        want.putAll(more);
        List<Container> all;
        try {
            all = client.listContainersCmd()
                    .withShowAll(true)
                    .withLabelFilter(want)
                    .exec();
        } catch (RuntimeException e) {
            throw engineProblem("cannot list containers", e);
        }
        // the engine filters already; checked again so a lax filter never hands over another scaler's containers
        return all.stream()
                .filter(c -> c.getLabels() != null
                        && want.entrySet().stream()
                                .allMatch(w -> w.getValue().equals(c.getLabels().get(w.getKey()))))
                .toList();
    }

    private static String containerName(Container c) {
        String[] names = c.getNames();
        if (names == null || names.length == 0) return c.getId();
        return names[0].startsWith("/") ? names[0].substring(1) : names[0];
    }

    private void removeQuietly(String id) {
        try {
            client.removeContainerCmd(id).withForce(true).exec();
        } catch (RuntimeException e) {
            // the start already failed; that is the error to report
        }
    }

    private IOException engineProblem(String what, RuntimeException e) {
        return new IOException(what + " on the container engine at " + settings.engine() + ": " + message(e), e);
    }

    /** The engine's own message (the JSON {@code message} of an error answer), or the root cause's. */
    static String message(Throwable e) {
        if (e instanceof DockerException d && d.getMessage() != null) {
            String m = d.getMessage();
            int i = m.indexOf("\"message\":\"");
            if (i >= 0) {
                int end = m.indexOf('"', i + 11);
                if (end > i) return m.substring(i + 11, end);
            }
            return m.strip();
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            // closing the connection pool
        }
    }

    @Override
    public String toString() {
        return "container provider for " + pool + " on " + settings.engine();
    }
}
