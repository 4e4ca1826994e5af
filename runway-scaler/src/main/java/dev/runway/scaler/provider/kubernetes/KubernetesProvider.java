package dev.runway.scaler.provider.kubernetes;

import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runners as Kubernetes pods: one pod per instance, named after it, labelled with the {@link Labels scaler's labels}
 * (so {@link #list()} finds the pods of an earlier scaler process), {@code restartPolicy: Never} (an ephemeral runner
 * that exits is done, and the scaler removes it).
 *
 * <p>The registration token (and any other variable that looks like a credential, see {@link #isSecret}) never
 * appears in the pod spec: it goes into a per-pod Secret that the container reads through {@code secretKeyRef}, so
 * whoever may read pods (a dashboard, {@code kubectl describe}) does not see it. The pod is created first and the
 * Secret second, owned by the pod: Kubernetes deletes the Secret with the pod, and a scaler that dies between the two
 * calls leaves a pod that waits for its Secret (listed as starting, removed as an orphan after the pool's
 * register-timeout) rather than an orphaned Secret nobody lists.
 *
 * <p>Runner pods get no service-account token unless the pool names a {@code service-account}: a job has no business
 * talking to the cluster's API by default.
 */
public final class KubernetesProvider implements Provider {
    static final String CONTAINER = "runner";
    static final long GRACE_SECONDS = 10;
    /** The instance suffix the scaler appends to the pool name ({@code -<millis base 36>-<random>}), at most. */
    private static final int INSTANCE_SUFFIX = 15;

    private static final Pattern SECRET_NAME = Pattern.compile(".*(TOKEN|SECRET|PASSWORD|CREDENTIAL|JITCONFIG).*");

    private final KubernetesClient client;
    private final boolean ownsClient;
    private final String namespace;
    private final String scalerId;
    private final String pool;
    private final KubernetesSettings settings;

    /**
     * A provider over {@code client} (tests pass the mock API server's); {@code ownsClient}: {@link #close()} closes
     * it.
     */
    public KubernetesProvider(
            KubernetesClient client, boolean ownsClient, String scalerId, String pool, KubernetesSettings settings)
            throws ConfigException {
        List<String> problems = new ArrayList<>();
        if (!KubernetesSettings.LABEL_VALUE.matcher(scalerId).matches())
            problems.add("scaler-id '" + scalerId + "': a kubernetes pool labels its pods with it, so it must start"
                    + " and end with a letter or digit");
        if (!KubernetesSettings.DNS_LABEL.matcher(pool).matches() || pool.length() > 63 - INSTANCE_SUFFIX)
            problems.add("pool " + pool + ": its pods are named after it, so a kubernetes pool's name takes lower-case"
                    + " letters, digits and '-' only, starts and ends with a letter or digit, and has at most "
                    + (63 - INSTANCE_SUFFIX) + " characters");
        if (!problems.isEmpty()) throw new ConfigException(problems);
        this.client = client;
        this.ownsClient = ownsClient;
        this.scalerId = scalerId;
        this.pool = pool;
        this.settings = settings;
        String ns = settings.namespace();
        if (ns == null) ns = client.getNamespace();
        this.namespace = ns == null ? "default" : ns;
    }

    /** The provider for {@code pool}, with its own client configured from the pool's {@code kubernetes:} section. */
    public static KubernetesProvider create(String scalerId, PoolConfig pool) throws ConfigException {
        KubernetesSettings settings = KubernetesSettings.parse(pool.name(), pool.providerSettings());
        List<String> problems = new ArrayList<>();
        if (pool.agent().image() == null
                && (pool.canary() == null || pool.canary().agent().image() == null))
            problems.add("pool " + pool.name() + ": agent.image: a kubernetes pool runs its runners from an image;"
                    + " name it (e.g. runway:local)");
        Config config = null;
        try {
            config = config(pool.name(), settings, System.getenv(), Config.getKubeconfigFilenames());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) throw new ConfigException(problems);
        KubernetesClient client =
                new KubernetesClientBuilder().withConfig(config).build();
        try {
            return new KubernetesProvider(client, true, scalerId, pool.name(), settings);
        } catch (ConfigException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The client's configuration: the pool's kubeconfig, else fabric8's auto-configuration (in-cluster service
     * account, {@code KUBECONFIG}, {@code ~/.kube/config}), with {@code api-url} over either. Refuses when nothing
     * names a cluster, which would otherwise surface only as "unknown host kubernetes.default.svc" on every pass.
     */
    static Config config(
            String pool, KubernetesSettings settings, Map<String, String> env, Collection<String> kubeconfigFiles)
            throws ConfigException {
        Config config;
        if (settings.kubeconfig() != null) {
            Path file = settings.kubeconfig();
            if (!Files.isReadable(file))
                throw new ConfigException(List.of("pool " + pool + ": kubernetes.kubeconfig: cannot read "
                        + file.toAbsolutePath() + " (a kubeconfig file)"));
            try {
                config = Config.fromKubeconfig(file.toFile());
            } catch (RuntimeException e) {
                throw new ConfigException(List.of("pool " + pool + ": kubernetes.kubeconfig: " + file
                        + " is not a usable kubeconfig: " + e.getMessage()));
            }
        } else {
            boolean inCluster = env.get("KUBERNETES_SERVICE_HOST") != null;
            boolean kubeconfig = kubeconfigFiles.stream().anyMatch(f -> Files.isRegularFile(Path.of(f)));
            boolean master = env.get("KUBERNETES_MASTER") != null || System.getProperty("kubernetes.master") != null;
            if (!inCluster && !kubeconfig && !master && settings.apiUrl() == null)
                throw new ConfigException(List.of("pool " + pool + ": kubernetes: no cluster to talk to: the scaler"
                        + " does not run in a pod, finds no kubeconfig (" + String.join(", ", kubeconfigFiles)
                        + "), and the pool sets neither kubernetes.kubeconfig nor kubernetes.api-url"));
            config = Config.autoConfigure(null);
        }
        if (settings.apiUrl() != null)
            config = new ConfigBuilder(config).withMasterUrl(settings.apiUrl()).build();
        return config;
    }

    @Override
    public Instance start(Launch launch) throws IOException {
        if (launch.image() == null || launch.image().isBlank())
            throw new IOException("pool " + pool + ": a kubernetes pod needs an image: set agent.image in the pool");
        for (var l : launch.labels().entrySet()) {
            if (!KubernetesSettings.validLabelKey(l.getKey())
                    || !KubernetesSettings.LABEL_VALUE.matcher(l.getValue()).matches())
                throw new IOException("pool " + pool + ": cannot label pod " + launch.name() + " " + l.getKey() + "="
                        + l.getValue() + ": not a valid Kubernetes label (values: letters, digits, '-', '_', '.',"
                        + " at most 63)");
        }
        String secretName = secretName(launch.name());
        Map<String, String> secretData = new LinkedHashMap<>();
        List<EnvVar> env = new ArrayList<>();
        for (var e : launch.env().entrySet()) {
            if (isSecret(e.getKey())) {
                secretData.put(
                        e.getKey(),
                        Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)));
                env.add(new EnvVarBuilder()
                        .withName(e.getKey())
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(secretName)
                        .withKey(e.getKey())
                        .withOptional(false)
                        .endSecretKeyRef()
                        .endValueFrom()
                        .build());
            } else {
                env.add(new EnvVar(e.getKey(), e.getValue(), null));
            }
        }
        Pod created = call(
                "create pod " + launch.name(),
                () -> client.pods()
                        .inNamespace(namespace)
                        .resource(pod(launch, env))
                        .create());
        if (!secretData.isEmpty()) {
            Secret secret = new SecretBuilder()
                    .withNewMetadata()
                    .withName(secretName)
                    .withNamespace(namespace)
                    .withLabels(launch.labels())
                    .addNewOwnerReference()
                    .withApiVersion("v1")
                    .withKind("Pod")
                    .withName(created.getMetadata().getName())
                    .withUid(created.getMetadata().getUid())
                    .withBlockOwnerDeletion(false)
                    .endOwnerReference()
                    .endMetadata()
                    .withType("Opaque")
                    .withImmutable(true)
                    .withData(secretData)
                    .build();
            try {
                call(
                        "create secret " + secretName,
                        () -> client.secrets()
                                .inNamespace(namespace)
                                .resource(secret)
                                .create());
            } catch (IOException e) {
                // the pod would wait for its token forever: take it back
                try {
                    remove(launch.name());
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
        return instance(created);
    }

    private Pod pod(Launch launch, List<EnvVar> env) {
        List<Toleration> tolerations = new ArrayList<>();
        for (KubernetesSettings.Toleration t : settings.tolerations())
            tolerations.add(new TolerationBuilder()
                    .withKey(t.key())
                    .withOperator(t.operator())
                    .withValue(t.value())
                    .withEffect(t.effect())
                    .build());
        var spec = new PodBuilder()
                .withNewMetadata()
                .withName(launch.name())
                .withNamespace(namespace)
                .withLabels(launch.labels())
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(GRACE_SECONDS)
                .withEnableServiceLinks(false)
                .withNodeSelector(settings.nodeSelector().isEmpty() ? null : settings.nodeSelector())
                .withTolerations(tolerations.isEmpty() ? null : tolerations);
        if (settings.serviceAccount() != null) {
            spec.withServiceAccountName(settings.serviceAccount());
        } else {
            spec.withAutomountServiceAccountToken(false);
        }
        var container = spec.addNewContainer()
                .withName(CONTAINER)
                .withImage(launch.image())
                .withImagePullPolicy(settings.imagePullPolicy())
                .withCommand(launch.command())
                .withEnv(env);
        if (!settings.requests().isEmpty() || !settings.limits().isEmpty())
            container.withResources(new ResourceRequirementsBuilder()
                    .withRequests(settings.requests().isEmpty() ? null : settings.requests())
                    .withLimits(settings.limits().isEmpty() ? null : settings.limits())
                    .build());
        return container.endContainer().endSpec().build();
    }

    @Override
    public List<Instance> list() throws IOException {
        List<Pod> pods = call(
                "list pods",
                () -> client.pods()
                        .inNamespace(namespace)
                        .withLabel(Labels.SCALER, scalerId)
                        .withLabel(Labels.POOL, pool)
                        .list()
                        .getItems());
        return pods.stream()
                .map(this::instance)
                .sorted(Comparator.comparing(Instance::name))
                .toList();
    }

    @Override
    public void remove(String instanceName) throws IOException {
        Pod pod = call(
                "read pod " + instanceName,
                () -> client.pods()
                        .inNamespace(namespace)
                        .withName(instanceName)
                        .get());
        if (pod != null && !ours(pod)) {
            throw new IOException("pod " + namespace + "/" + instanceName + " is not one of pool " + pool
                    + " of scaler " + scalerId + "; not deleting it");
        }
        if (pod != null)
            call(
                    "delete pod " + instanceName,
                    () -> client.pods()
                            .inNamespace(namespace)
                            .withName(instanceName)
                            .withGracePeriod(GRACE_SECONDS)
                            .delete());
        // the owner reference deletes it too, but only once the garbage collector gets to it; a Secret left from a
        // failed start has no pod at all
        Secret secret = call(
                "read secret " + secretName(instanceName),
                () -> client.secrets()
                        .inNamespace(namespace)
                        .withName(secretName(instanceName))
                        .get());
        if (secret != null && ours(secret))
            call(
                    "delete secret " + secretName(instanceName),
                    () -> client.secrets()
                            .inNamespace(namespace)
                            .withName(secretName(instanceName))
                            .delete());
    }

    private boolean ours(HasMetadata r) {
        Map<String, String> labels = r.getMetadata().getLabels();
        return labels != null && scalerId.equals(labels.get(Labels.SCALER)) && pool.equals(labels.get(Labels.POOL));
    }

    private Instance instance(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        PodStatus status = pod.getStatus();
        String phase = status == null || status.getPhase() == null ? "Pending" : status.getPhase();
        boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
        boolean running = !terminating && (phase.equals("Pending") || phase.equals("Running"));
        return new Instance(
                pod.getMetadata().getName(),
                labels.getOrDefault(Labels.POOL, pool),
                labels.get(Labels.VARIANT),
                createdAt(pod),
                running,
                detail(pod, phase, terminating));
    }

    /**
     * The phase, and why: the container's end (reason and exit code), what it waits for (ImagePullBackOff,
     * CreateContainerConfigError), or why the pod is not scheduled (no node with a free GPU).
     */
    static String detail(Pod pod, String phase, boolean terminating) {
        StringBuilder s = new StringBuilder(phase);
        if (terminating) s.append(", terminating");
        PodStatus status = pod.getStatus();
        if (status == null) return s.toString();
        if (status.getReason() != null) s.append(": ").append(status.getReason());
        ContainerStatus c = status.getContainerStatuses() == null
                ? null
                : status.getContainerStatuses().stream()
                        .filter(cs -> CONTAINER.equals(cs.getName()))
                        .findFirst()
                        .orElse(null);
        if (c != null && c.getState() != null) {
            ContainerStateTerminated t = c.getState().getTerminated();
            ContainerStateWaiting w = c.getState().getWaiting();
            if (t != null) {
                s.append(": ")
                        .append(t.getReason() == null ? "terminated" : t.getReason())
                        .append(", exit code ")
                        .append(t.getExitCode());
                if (t.getMessage() != null)
                    s.append(" (").append(t.getMessage().strip()).append(')');
            } else if (w != null && w.getReason() != null) {
                s.append(": ").append(w.getReason());
                if (w.getMessage() != null)
                    s.append(" (").append(w.getMessage().strip()).append(')');
            }
        } else if (status.getConditions() != null) {
            for (PodCondition cond : status.getConditions()) {
                if ("PodScheduled".equals(cond.getType()) && "False".equals(cond.getStatus())) {
                    s.append(": ").append(cond.getReason() == null ? "not scheduled" : cond.getReason());
                    if (cond.getMessage() != null)
                        s.append(" (").append(cond.getMessage().strip()).append(')');
                }
            }
        }
        return s.toString();
    }

    private static Instant createdAt(Pod pod) {
        String t = pod.getMetadata().getCreationTimestamp();
        if (t == null) return Instant.now();
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }

    /** Variables that hold credentials: they reach the pod through its Secret only. */
    static boolean isSecret(String variable) {
        return SECRET_NAME.matcher(variable.toUpperCase(java.util.Locale.ROOT)).matches();
    }

    static String secretName(String instanceName) {
        return instanceName + "-token";
    }

    public String namespace() {
        return namespace;
    }

    private interface Call<T> {
        T run();
    }

    /** Runs one API call; the client's unchecked exception becomes an IOException saying what was refused. */
    private <T> T call(String what, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (KubernetesClientException e) {
            String why = e.getStatus() != null && e.getStatus().getMessage() != null
                    ? e.getStatus().getMessage()
                    : e.getMessage();
            String hint = e.getCode() == 403
                    ? " (the scaler's service account needs get/list/create/delete on pods and secrets in namespace "
                            + namespace + "; see deploy/kubernetes/scaler.yaml)"
                    : "";
            throw new IOException("kubernetes: cannot " + what + " in namespace " + namespace + ": " + why + hint, e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) client.close();
    }

    @Override
    public String toString() {
        return "kubernetes provider for " + pool + " in namespace " + namespace + " at " + client.getMasterUrl();
    }
}
