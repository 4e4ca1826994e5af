package dev.runway.scaler.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.config.YamlTree;
import dev.runway.scaler.provider.Instance;
import dev.runway.scaler.provider.Labels;
import dev.runway.scaler.provider.Launch;
import dev.runway.scaler.provider.Provider;
import dev.runway.scaler.provider.Providers;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes provider against fabric8's mock API server in CRUD mode (it stores, lists by label and deletes
 * objects like an API server), as no cluster runs here. What the mock does not do: schedule pods, run kubelets or
 * garbage-collect owned objects; so a pod's status is set by the test, and {@code remove} is checked to delete the
 * Secret itself.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubernetesProviderTest {
    static final String NS = "runners";
    static final String TOKEN = "rwreg_very-secret-registration-token";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    static JsonNode yaml(String text) throws YamlTree.YamlException {
        return YamlTree.parse(text).tree();
    }

    KubernetesSettings gpuSettings() throws Exception {
        return KubernetesSettings.parse("gpu", yaml("""
                namespace: runners
                service-account: runner-sa
                node-selector:
                  nvidia.com/gpu.present: "true"
                  cloud.google.com/gke-accelerator: nvidia-l4
                tolerations:
                  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                  - {key: dedicated, value: ci, effect: NoExecute}
                resources:
                  requests: {cpu: "2", memory: 8Gi, nvidia.com/gpu: 1}
                  limits: {cpu: 4, memory: 8Gi, nvidia.com/gpu: 1}
                image-pull-policy: IfNotPresent
                """));
    }

    KubernetesProvider provider(String scalerId, String pool, KubernetesSettings settings) throws ConfigException {
        return new KubernetesProvider(client, false, scalerId, pool, settings);
    }

    static Launch launch(String scalerId, String pool, String name) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RUNWAY_LOG", "debug");
        env.put("RUNWAY_REGISTRATION_TOKEN", TOKEN);
        return new Launch(
                name,
                pool,
                "stable",
                "registry.example/runway:1.2",
                List.of("runway", "agent", "--url", "http://runway:8080", "--name", name, "--ephemeral"),
                env,
                Labels.of(scalerId, pool, name, "stable"));
    }

    @Test
    void aStartedPodCarriesTheLaunchAndThePoolSettingsAndTheTokenOnlyThroughItsSecret() throws Exception {
        KubernetesProvider p = provider("scaler-a", "gpu", gpuSettings());
        Instance started = p.start(launch("scaler-a", "gpu", "gpu-abc-1"));
        assertThat(started.name()).isEqualTo("gpu-abc-1");
        assertThat(started.running()).isTrue();

        Pod pod = client.pods().inNamespace(NS).withName("gpu-abc-1").get();
        assertThat(pod).as("pod in the configured namespace").isNotNull();
        assertThat(pod.getMetadata().getLabels())
                .containsEntry(Labels.SCALER, "scaler-a")
                .containsEntry(Labels.POOL, "gpu")
                .containsEntry(Labels.INSTANCE, "gpu-abc-1")
                .containsEntry(Labels.VARIANT, "stable");
        var spec = pod.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Never");
        assertThat(spec.getServiceAccountName()).isEqualTo("runner-sa");
        assertThat(spec.getNodeSelector())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("nvidia.com/gpu.present", "true", "cloud.google.com/gke-accelerator", "nvidia-l4"));
        assertThat(spec.getTolerations()).hasSize(2);
        assertThat(spec.getTolerations().get(0).getKey()).isEqualTo("nvidia.com/gpu");
        assertThat(spec.getTolerations().get(0).getOperator()).isEqualTo("Exists");
        assertThat(spec.getTolerations().get(0).getEffect()).isEqualTo("NoSchedule");
        assertThat(spec.getTolerations().get(1).getOperator()).isEqualTo("Equal");
        assertThat(spec.getTolerations().get(1).getValue()).isEqualTo("ci");
        assertThat(spec.getContainers()).hasSize(1);
        var c = spec.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo("registry.example/runway:1.2");
        assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(c.getCommand())
                .containsExactly(
                        "runway", "agent", "--url", "http://runway:8080", "--name", "gpu-abc-1", "--ephemeral");
        assertThat(c.getResources().getRequests())
                .containsEntry("cpu", new Quantity("2"))
                .containsEntry("memory", new Quantity("8Gi"))
                .containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(c.getResources().getLimits())
                .containsEntry("cpu", new Quantity("4"))
                .containsEntry("nvidia.com/gpu", new Quantity("1"));

        // the token: a secretKeyRef in the pod, the value only in the Secret
        assertThat(Serialization.asJson(pod)).doesNotContain(TOKEN);
        EnvVar tokenVar = c.getEnv().stream()
                .filter(e -> e.getName().equals("RUNWAY_REGISTRATION_TOKEN"))
                .findFirst()
                .orElseThrow();
        assertThat(tokenVar.getValue()).isNull();
        String secretName = tokenVar.getValueFrom().getSecretKeyRef().getName();
        assertThat(tokenVar.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("RUNWAY_REGISTRATION_TOKEN");
        assertThat(c.getEnv()).contains(new EnvVar("RUNWAY_LOG", "debug", null));

        Secret secret = client.secrets().inNamespace(NS).withName(secretName).get();
        assertThat(secret).isNotNull();
        assertThat(new String(
                        Base64.getDecoder().decode(secret.getData().get("RUNWAY_REGISTRATION_TOKEN")),
                        StandardCharsets.UTF_8))
                .isEqualTo(TOKEN);
        assertThat(secret.getData()).doesNotContainKey("RUNWAY_LOG");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("Pod");
            assertThat(o.getName()).isEqualTo("gpu-abc-1");
            assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()).isNotBlank();
        });
        assertThat(secret.getMetadata().getLabels()).containsEntry(Labels.SCALER, "scaler-a");
    }

    @Test
    void withoutAServiceAccountThePodGetsNoApiTokenAndTheClientsNamespace() throws Exception {
        KubernetesProvider p = provider("scaler-a", "small", KubernetesSettings.parse("small", yaml("{}")));
        p.start(launch("scaler-a", "small", "small-1"));
        assertThat(p.namespace()).isEqualTo(client.getNamespace());
        Pod pod = client.pods()
                .inNamespace(client.getNamespace())
                .withName("small-1")
                .get();
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getServiceAccountName()).isNull();
        assertThat(pod.getSpec().getContainers().getFirst().getResources()).isNull();
    }

    @Test
    void listFindsThePoolsPodsByLabelAndNotThoseOfAnotherScalerOrPool() throws Exception {
        KubernetesSettings s = KubernetesSettings.parse("gpu", yaml("namespace: runners"));
        KubernetesProvider mine = provider("scaler-a", "gpu", s);
        KubernetesProvider otherScaler = provider("scaler-b", "gpu", s);
        KubernetesProvider otherPool =
                provider("scaler-a", "cpu", KubernetesSettings.parse("cpu", yaml("namespace: runners")));
        mine.start(launch("scaler-a", "gpu", "gpu-1"));
        mine.start(launch("scaler-a", "gpu", "gpu-2"));
        otherScaler.start(launch("scaler-b", "gpu", "gpu-3"));
        otherPool.start(launch("scaler-a", "cpu", "cpu-1"));
        // a pod nobody's scaler made
        client.pods()
                .inNamespace(NS)
                .resource(new PodBuilder()
                        .withNewMetadata()
                        .withName("unrelated")
                        .addToLabels("app", "web")
                        .endMetadata()
                        .build())
                .create();

        assertThat(mine.list()).extracting(Instance::name).containsExactly("gpu-1", "gpu-2");
        assertThat(mine.list()).allSatisfy(i -> {
            assertThat(i.pool()).isEqualTo("gpu");
            assertThat(i.variant()).isEqualTo("stable");
            assertThat(i.running()).isTrue();
            assertThat(i.createdAt())
                    .isEqualTo(Instant.parse(client.pods()
                            .inNamespace(NS)
                            .withName(i.name())
                            .get()
                            .getMetadata()
                            .getCreationTimestamp()));
        });
        assertThat(otherScaler.list()).extracting(Instance::name).containsExactly("gpu-3");
        assertThat(otherPool.list()).extracting(Instance::name).containsExactly("cpu-1");
    }

    @Test
    void endedPodsListAsNotRunningWithTheirReasonAndWaitingOnesSayWhy() throws Exception {
        KubernetesProvider p = provider("scaler-a", "gpu", KubernetesSettings.parse("gpu", yaml("namespace: runners")));
        p.start(launch("scaler-a", "gpu", "gpu-done"));
        p.start(launch("scaler-a", "gpu", "gpu-crashed"));
        p.start(launch("scaler-a", "gpu", "gpu-pulling"));
        p.start(launch("scaler-a", "gpu", "gpu-waiting"));
        setStatus("gpu-done", "Succeeded", terminated("Completed", 0));
        setStatus("gpu-crashed", "Failed", terminated("OOMKilled", 137));
        setStatus(
                "gpu-pulling",
                "Pending",
                new ContainerStatusBuilder()
                        .withName(KubernetesProvider.CONTAINER)
                        .withNewState()
                        .withNewWaiting()
                        .withReason("ImagePullBackOff")
                        .withMessage("Back-off pulling image \"registry.example/runway:1.2\"")
                        .endWaiting()
                        .endState()
                        .build());
        client.pods()
                .inNamespace(NS)
                .withName("gpu-waiting")
                .editStatus(pod -> new PodBuilder(pod)
                        .withNewStatus()
                        .withPhase("Pending")
                        .addNewCondition()
                        .withType("PodScheduled")
                        .withStatus("False")
                        .withReason("Unschedulable")
                        .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
                        .endCondition()
                        .endStatus()
                        .build());

        Map<String, Instance> byName = new LinkedHashMap<>();
        for (Instance i : p.list()) byName.put(i.name(), i);
        assertThat(byName.get("gpu-done").running()).isFalse();
        assertThat(byName.get("gpu-done").detail()).isEqualTo("Succeeded: Completed, exit code 0");
        assertThat(byName.get("gpu-crashed").running()).isFalse();
        assertThat(byName.get("gpu-crashed").detail()).isEqualTo("Failed: OOMKilled, exit code 137");
        assertThat(byName.get("gpu-pulling").running()).isTrue();
        assertThat(byName.get("gpu-pulling").detail()).startsWith("Pending: ImagePullBackOff (Back-off pulling");
        assertThat(byName.get("gpu-waiting").running()).isTrue();
        assertThat(byName.get("gpu-waiting").detail()).contains("Unschedulable", "Insufficient nvidia.com/gpu");
    }

    static io.fabric8.kubernetes.api.model.ContainerStatus terminated(String reason, int exitCode) {
        return new ContainerStatusBuilder()
                .withName(KubernetesProvider.CONTAINER)
                .withNewState()
                .withNewTerminated()
                .withReason(reason)
                .withExitCode(exitCode)
                .endTerminated()
                .endState()
                .build();
    }

    void setStatus(String name, String phase, io.fabric8.kubernetes.api.model.ContainerStatus container) {
        client.pods()
                .inNamespace(NS)
                .withName(name)
                .editStatus(pod -> new PodBuilder(pod)
                        .withNewStatus()
                        .withPhase(phase)
                        .withContainerStatuses(container)
                        .endStatus()
                        .build());
    }

    @Test
    void removeDeletesThePodAndItsSecretAndRemovingTwiceIsFine() throws Exception {
        KubernetesProvider p = provider("scaler-a", "gpu", KubernetesSettings.parse("gpu", yaml("namespace: runners")));
        p.start(launch("scaler-a", "gpu", "gpu-1"));
        p.start(launch("scaler-a", "gpu", "gpu-2"));
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName(KubernetesProvider.secretName("gpu-1"))
                        .get())
                .isNotNull();

        p.remove("gpu-1");
        assertThat(client.pods().inNamespace(NS).withName("gpu-1").get()).isNull();
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName(KubernetesProvider.secretName("gpu-1"))
                        .get())
                .isNull();
        assertThat(p.list()).extracting(Instance::name).containsExactly("gpu-2");

        p.remove("gpu-1");
        p.remove("never-existed");
        assertThat(p.list()).extracting(Instance::name).containsExactly("gpu-2");
        assertThat(client.secrets()
                        .inNamespace(NS)
                        .withName(KubernetesProvider.secretName("gpu-2"))
                        .get())
                .isNotNull();
    }

    @Test
    void removeLeavesAnotherScalersPodAlone() throws Exception {
        KubernetesSettings s = KubernetesSettings.parse("gpu", yaml("namespace: runners"));
        provider("scaler-b", "gpu", s).start(launch("scaler-b", "gpu", "gpu-1"));
        assertThatThrownBy(() -> provider("scaler-a", "gpu", s).remove("gpu-1"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not one of pool gpu of scaler scaler-a");
        assertThat(client.pods().inNamespace(NS).withName("gpu-1").get()).isNotNull();
    }

    @Test
    void aRestartedScalerListsAndRemovesTheFirstOnesPods() throws Exception {
        KubernetesSettings s = KubernetesSettings.parse("gpu", yaml("namespace: runners"));
        try (KubernetesProvider first = provider("scaler-a", "gpu", s)) {
            first.start(launch("scaler-a", "gpu", "gpu-1"));
        }
        // a new client too, as a new scaler process would have
        try (KubernetesClient fresh = server.createClient();
                KubernetesProvider second = new KubernetesProvider(fresh, false, "scaler-a", "gpu", s)) {
            assertThat(second.list()).extracting(Instance::name).containsExactly("gpu-1");
            second.remove("gpu-1");
            assertThat(second.list()).isEmpty();
        }
    }

    @Test
    void aLaunchWithoutAnImageIsRefusedClearly() throws Exception {
        KubernetesProvider p = provider("scaler-a", "gpu", KubernetesSettings.parse("gpu", yaml("namespace: runners")));
        Launch l = launch("scaler-a", "gpu", "gpu-1");
        Launch noImage = new Launch(l.name(), l.pool(), l.variant(), null, l.command(), l.env(), l.labels());
        assertThatThrownBy(() -> p.start(noImage))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("pool gpu: a kubernetes pod needs an image: set agent.image");
        assertThat(p.list()).isEmpty();
    }

    @Test
    void badSettingsAreNamedAllAtOnce() throws Exception {
        assertThatThrownBy(() -> KubernetesSettings.parse("gpu", yaml("""
                        namespace: Runners_1
                        node-selector: [gpu]
                        tolerations:
                          - {key: nvidia.com/gpu, operator: Maybe}
                          - {key: a, operator: Exists, value: b}
                          - {key: a, effect: Sometimes, colour: red}
                        resources:
                          requests: {cpu: lots, memory: 8Gi}
                          limits: {memory: 4Gi}
                          burst: {cpu: 1}
                        image-pull-policy: always
                        api-url: kubernetes.local
                        replicas: 3
                        """)))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "pool gpu: kubernetes.replicas: unknown key; expected one of api-url, image-pull-policy,"
                                                + " kubeconfig, namespace, node-selector, resources, service-account,"
                                                + " tolerations",
                                        "pool gpu: kubernetes.namespace: 'Runners_1' is not a namespace name (lower-case"
                                                + " letters, digits and '-', at most 63, starting and ending with a letter or"
                                                + " digit)",
                                        "pool gpu: kubernetes.node-selector: expected a mapping of node label to value",
                                        "pool gpu: kubernetes.tolerations[0].operator: Equal or Exists (got 'Maybe')",
                                        "pool gpu: kubernetes.tolerations[1].value: a toleration with operator Exists has no"
                                                + " value",
                                        "pool gpu: kubernetes.tolerations[2].colour: unknown key; expected one of effect, key,"
                                                + " operator, value",
                                        "pool gpu: kubernetes.tolerations[2].effect: one of NoSchedule, PreferNoSchedule,"
                                                + " NoExecute (got 'Sometimes')",
                                        "pool gpu: kubernetes.resources.burst: unknown key; expected one of limits, requests",
                                        "pool gpu: kubernetes.resources.requests.cpu: expected an amount such as 500m, 2, 4Gi"
                                                + " (got 'lots')",
                                        "pool gpu: kubernetes.resources.requests.memory: 8Gi is more than its limit 4Gi"
                                                + " (Kubernetes refuses such a pod)",
                                        "pool gpu: kubernetes.image-pull-policy: one of Always, IfNotPresent, Never (got"
                                                + " 'always')",
                                        "pool gpu: kubernetes.api-url: expected the API server's http:// or https:// URL (got"
                                                + " 'kubernetes.local')"));
        assertThatThrownBy(() -> KubernetesSettings.parse("gpu", yaml("node-selector: {\"bad key!\": x, ok: [1]}")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "pool gpu: kubernetes.node-selector: 'bad key!' is not a label key ([prefix/]name,"
                                                + " e.g. nvidia.com/gpu.present)",
                                        "pool gpu: kubernetes.node-selector.ok: expected a single label value"));
    }

    @Test
    void poolNamesThatCannotNamePodsAreRefused() throws Exception {
        KubernetesSettings s = KubernetesSettings.parse("x", yaml("{}"));
        assertThatThrownBy(() -> provider("scaler-a", "gpu_pool", s))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pool gpu_pool: its pods are named after it");
        assertThatThrownBy(() -> provider("scaler-a", "p".repeat(49), s)).hasMessageContaining("at most 48 characters");
        assertThatThrownBy(() -> provider("scaler_", "gpu", s)).hasMessageContaining("scaler-id 'scaler_'");
    }

    /** The whole path a user takes: the scaler's file, {@link Providers#create}, the client it builds. */
    @Test
    void providersCreateBuildsAKubernetesProviderFromTheScalersFile() throws Exception {
        ScalerConfig config = ScalerConfigFile.parse(
                "pools.yml", """
                scaler-id: prod
                pools:
                  gpu:
                    labels: [gpu]
                    provider: kubernetes
                    agent: {image: "runway:latest"}
                    kubernetes:
                      namespace: runners
                      api-url: %s
                      node-selector: {accelerator: l4}
                """.formatted(server.url("/").replaceAll("/$", "")), dir);
        try (Provider p = Providers.create(config, config.pool("gpu"))) {
            assertThat(p).isInstanceOf(KubernetesProvider.class);
            p.start(launch("prod", "gpu", "gpu-1"));
            assertThat(p.list()).extracting(Instance::name).containsExactly("gpu-1");
        }
        Pod pod = client.pods().inNamespace(NS).withName("gpu-1").get();
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("accelerator", "l4");
    }

    @Test
    void aKubeconfigFileNamesTheClusterAndItsNamespace() throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: mock
                    cluster: {server: "%s"}
                users:
                  - name: ci
                    user: {token: abc}
                contexts:
                  - name: ci@mock
                    context: {cluster: mock, user: ci, namespace: from-kubeconfig}
                current-context: ci@mock
                """.formatted(server.url("/").replaceAll("/$", "")));
        ScalerConfig config = ScalerConfigFile.parse("pools.yml", """
                pools:
                  cpu:
                    labels: [linux]
                    provider: kubernetes
                    agent: {image: "runway:latest"}
                    kubernetes: {kubeconfig: "%s"}
                """.formatted(kubeconfig), dir);
        try (KubernetesProvider p = (KubernetesProvider) Providers.create(config, config.pool("cpu"))) {
            assertThat(p.namespace()).isEqualTo("from-kubeconfig");
            p.start(launch("runway-scaler", "cpu", "cpu-1"));
        }
        assertThat(client.pods()
                        .inNamespace("from-kubeconfig")
                        .withName("cpu-1")
                        .get())
                .isNotNull();
    }

    @Test
    void aPoolWithoutAnImageOrAClusterOrWithAMissingKubeconfigIsAConfigError() throws Exception {
        ScalerConfig config = ScalerConfigFile.parse("pools.yml", """
                pools:
                  cpu:
                    labels: [linux]
                    provider: kubernetes
                    kubernetes: {kubeconfig: /nonexistent/kubeconfig}
                """, dir);
        assertThatThrownBy(() -> Providers.create(config, config.pool("cpu")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "pool cpu: agent.image: a kubernetes pool runs its runners from an image; name it"
                                                + " (e.g. runway:local)",
                                        "pool cpu: kubernetes.kubeconfig: cannot read /nonexistent/kubeconfig (a kubeconfig"
                                                + " file)"));
        Path garbage = Files.writeString(dir.resolve("garbage"), "clusters: [unclosed\n");
        assertThatThrownBy(() -> KubernetesProvider.config(
                        "cpu", KubernetesSettings.parse("cpu", yaml("kubeconfig: " + garbage)), Map.of(), List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(
                        "pool cpu: kubernetes.kubeconfig: " + garbage + " is not a usable kubeconfig: ");
        assertThatThrownBy(() -> KubernetesProvider.config(
                        "cpu", KubernetesSettings.parse("cpu", yaml("{}")), Map.of(), List.of("/nonexistent/config")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pool cpu: kubernetes: no cluster to talk to: the scaler does not run in a pod, finds no"
                        + " kubeconfig (/nonexistent/config), and the pool sets neither kubernetes.kubeconfig nor"
                        + " kubernetes.api-url");
    }
}
