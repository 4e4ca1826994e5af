package dev.runway.scaler.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests in deploy/kubernetes, read with fabric8's model (every document must be a kind it knows): the
 * scaler's Role grants only what the Kubernetes provider needs, on pods and secrets, in the runners' namespace;
 * nothing cluster-wide exists; the example pools file is a valid scaler file whose pools run where the Role reaches;
 * names that refer to each other (Service and Deployment, Secret, ConfigMap, ServiceAccount) agree. Every field of every
 * object is one the Kubernetes API schema has (fabric8's model is generated from it; a field it does not know lands in
 * an object's additional properties, which must stay empty), so a misspelt field cannot pass as ignored.
 */
class DeployManifestsTest {
    static final Set<String> NAMESPACED_RESOURCES = Set.of("pods", "secrets");
    static final Set<String> ALLOWED_VERBS = Set.of("get", "list", "watch", "create", "delete");

    static final KubernetesSerialization MODEL = KubernetesSchema.MODEL;

    static Path dir;
    static List<HasMetadata> all;

    @BeforeAll
    static void load() throws IOException {
        // surefire runs in the module's directory; the repository root is its parent
        dir = Path.of("").toAbsolutePath().getParent().resolve("deploy/kubernetes");
        assertThat(dir).as("deploy/kubernetes next to the module").isDirectory();
        all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().matches(".*\\.ya?ml$"))
                    .sorted()
                    .toList()) {
                for (String doc : KubernetesSchema.documents(Files.readString(f)))
                    all.add(KubernetesSchema.read(doc, f.getFileName().toString()));
            }
        }
        assertThat(all).as("manifests found in " + dir).hasSizeGreaterThanOrEqualTo(10);
    }

    static <T extends HasMetadata> List<T> of(Class<T> kind) {
        return all.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static <T extends HasMetadata> T one(Class<T> kind, String namespace, String name) {
        List<T> found = of(kind).stream()
                .filter(r -> name.equals(r.getMetadata().getName())
                        && namespace.equals(r.getMetadata().getNamespace()))
                .toList();
        assertThat(found).as("%s %s/%s", kind.getSimpleName(), namespace, name).hasSize(1);
        return found.getFirst();
    }

    static List<String> unknownFields(Object o) {
        return KubernetesSchema.unknownFields(o);
    }

    @Test
    void everyFieldOfEveryManifestIsOneTheKubernetesApiSchemaHas() {
        for (HasMetadata r : all)
            assertThat(unknownFields(r))
                    .as(
                            "fields of %s %s the API schema does not have",
                            r.getKind(), r.getMetadata().getName())
                    .isEmpty();
    }

    @Test
    void theSchemaCheckFindsAMisspeltFieldDeepInAPodTemplate() {
        Object d = MODEL.unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x, namespace: runway}
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec:
                      containers:
                        - name: x
                          image: runway:local
                          imagePullPolicyy: IfNotPresent
                          securityContext: {runAsNonRoot: true, readOnlyRootFilsystem: true}
                """);
        assertThat(unknownFields(d))
                .containsExactlyInAnyOrder(
                        "spec.template.spec.containers[0].imagePullPolicyy",
                        "spec.template.spec.containers[0].securityContext.readOnlyRootFilsystem");
    }

    @Test
    void everyNamespacedObjectNamesItsNamespaceAndNothingIsClusterWideButNamespaces() {
        for (HasMetadata r : all) {
            assertThat(r.getKind())
                    .as("no cluster-scoped kinds besides the namespaces themselves")
                    .isNotIn("ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "Node");
            if (!(r instanceof Namespace))
                assertThat(r.getMetadata().getNamespace())
                        .as(
                                "%s %s names its namespace (kubectl apply -f works without -n)",
                                r.getKind(), r.getMetadata().getName())
                        .isIn("runway", "runway-runners");
        }
        assertThat(of(Namespace.class))
                .extracting(n -> n.getMetadata().getName())
                .containsExactlyInAnyOrder("runway", "runway-runners");
    }

    @Test
    void theScalersRoleGrantsOnlyPodAndSecretVerbsInTheRunnersNamespace() {
        List<Role> roles = of(Role.class);
        assertThat(roles).hasSize(1);
        Role role = roles.getFirst();
        assertThat(role.getMetadata().getNamespace()).isEqualTo("runway-runners");
        Set<String> granted = new HashSet<>();
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getApiGroups()).as("the core API group only").containsExactly("");
            assertThat(rule.getResources())
                    .as("namespaced pods and secrets only, no subresources, no *")
                    .isNotEmpty()
                    .allMatch(NAMESPACED_RESOURCES::contains);
            assertThat(rule.getVerbs()).isNotEmpty().allMatch(ALLOWED_VERBS::contains);
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            for (String res : rule.getResources()) for (String verb : rule.getVerbs()) granted.add(res + ":" + verb);
        }
        // what KubernetesProvider calls: create/get/list/delete pods, create/get/delete secrets
        assertThat(granted)
                .contains(
                        "pods:create",
                        "pods:get",
                        "pods:list",
                        "pods:delete",
                        "secrets:create",
                        "secrets:get",
                        "secrets:delete");

        RoleBinding binding = one(RoleBinding.class, "runway-runners", "runway-scaler");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo("runway-scaler");
            assertThat(s.getNamespace()).isEqualTo("runway");
        });
        one(io.fabric8.kubernetes.api.model.ServiceAccount.class, "runway", "runway-scaler");
    }

    @Test
    void theExamplePoolsFileIsAValidScalerFileWhosePoolsRunWhereTheRoleReaches() throws Exception {
        ConfigMap pools = one(ConfigMap.class, "runway", "runway-scaler-pools");
        ScalerConfig config =
                ScalerConfigFile.parse("pools.yml", pools.getData().get("pools.yml"), Path.of("/etc/runway"));
        assertThat(config.pools()).isNotEmpty();
        String roleNamespace = of(Role.class).getFirst().getMetadata().getNamespace();
        boolean gpuExample = false;
        for (PoolConfig pool : config.pools()) {
            assertThat(pool.provider()).isEqualTo("kubernetes");
            KubernetesSettings s = KubernetesSettings.parse(pool.name(), pool.providerSettings());
            assertThat(s.namespace()).as("pool %s's namespace", pool.name()).isEqualTo(roleNamespace);
            assertThat(pool.agent().image()).isEqualTo("runway:local");
            if (s.limits().containsKey("nvidia.com/gpu")) {
                gpuExample = true;
                assertThat(s.nodeSelector()).isNotEmpty();
                assertThat(s.tolerations()).isNotEmpty();
            }
        }
        assertThat(gpuExample)
                .as("a GPU pool with node-selector and tolerations")
                .isTrue();
        assertThat(config.agentUrl()).isEqualTo("http://runway.runway.svc:8080");
    }

    @Test
    void theScalerRunsAsItsServiceAccountWithItsTokenFromTheSecretAndTheMountedPoolsFile() {
        Deployment d = one(Deployment.class, "runway", "runway-scaler");
        var spec = d.getSpec().getTemplate().getSpec();
        assertThat(spec.getServiceAccountName()).isEqualTo("runway-scaler");
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        Container c = spec.getContainers().getFirst();
        assertThat(c.getImage()).isEqualTo("runway:local");
        assertThat(c.getCommand())
                .containsExactly("runway", "scaler", "--pools", "/etc/runway/pools.yml", "--url", "http://runway:8080");
        EnvVar token = c.getEnv().stream()
                .filter(e -> e.getName().equals("RUNWAY_TOKEN"))
                .findFirst()
                .orElseThrow();
        assertThat(token.getValue()).isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("runway-scaler-token");
        String volume = c.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/etc/runway"))
                .findFirst()
                .orElseThrow()
                .getName();
        assertThat(spec.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo(volume);
            assertThat(v.getConfigMap().getName()).isEqualTo("runway-scaler-pools");
        });
    }

    @Test
    void theControlPlaneKeepsItsDataOnTheClaimAndTheServiceReachesItOn8080() {
        Deployment d = one(Deployment.class, "runway", "runway");
        var spec = d.getSpec().getTemplate().getSpec();
        Container c = spec.getContainers().getFirst();
        assertThat(c.getCommand()).containsExactly("runway", "server", "--host", "0.0.0.0", "--data-dir", "/data");
        String volume = c.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals("/data"))
                .findFirst()
                .orElseThrow()
                .getName();
        PersistentVolumeClaim claim = one(PersistentVolumeClaim.class, "runway", "runway-data");
        assertThat(spec.getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo(volume);
            assertThat(v.getPersistentVolumeClaim().getClaimName())
                    .isEqualTo(claim.getMetadata().getName());
        });

        Service svc = one(Service.class, "runway", "runway");
        assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(svc.getSpec().getSelector());
        ServicePort port = svc.getSpec().getPorts().getFirst();
        assertThat(port.getPort()).isEqualTo(8080);
        // the target is the container's named port, the server's default 8420
        assertThat(c.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo(port.getTargetPort().getStrVal());
            assertThat(p.getContainerPort()).isEqualTo(8420);
        });
    }
}
