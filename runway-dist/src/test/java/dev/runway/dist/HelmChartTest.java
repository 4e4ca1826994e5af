package dev.runway.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.runway.scaler.provider.kubernetes.KubernetesSchema;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * deploy/helm/runway rendered by Helm's own engine (helm-java) with the values an operator would set, and read back
 * as Kubernetes objects: SQLite on a volume with one replica, PostgreSQL with several replicas sharing a master key,
 * refusals of what cannot work, agents and the scaler with a Role limited to pods and secrets. Every rendered object
 * is a kind the Kubernetes API has and has only fields its schema has (runway-scaler's KubernetesSchema, the check
 * DeployManifestsTest makes of deploy/kubernetes).
 */
class HelmChartTest {
    static Path chart() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/helm/runway"))) p = p.getParent();
        assertThat(p).as("deploy/helm/runway above the working directory").isNotNull();
        return p.resolve("deploy/helm/runway");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(UnaryOperator<TemplateCommand> values) {
        String out = values.apply(new Helm(chart()).template().withName("ci").withNamespace("runway"))
                .call();
        for (String doc : KubernetesSchema.documents(out)) {
            HasMetadata r = KubernetesSchema.read(doc, "the rendered chart");
            assertThat(KubernetesSchema.unknownFields(r))
                    .as(
                            "fields of %s %s the API schema does not have",
                            r.getKind(), r.getMetadata().getName())
                    .isEmpty();
        }
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object d : new Load(LoadSettings.builder().build()).loadAllFromString(out)) {
            if (d != null) docs.add((Map<String, Object>) d);
        }
        return docs;
    }

    static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds(docs)));
    }

    static List<String> kinds(List<Map<String, Object>> docs) {
        return docs.stream()
                .map(d -> d.get("kind") + "/" + at(d, "metadata", "name"))
                .toList();
    }

    @SuppressWarnings("unchecked")
    static Object at(Object o, Object... path) {
        for (Object k : path) {
            if (o == null) return null;
            o = k instanceof Integer i ? ((List<Object>) o).get(i) : ((Map<String, Object>) o).get(k);
        }
        return o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> container(Map<String, Object> deployment) {
        return (Map<String, Object>) at(deployment, "spec", "template", "spec", "containers", 0);
    }

    @SuppressWarnings("unchecked")
    static List<String> envNames(Map<String, Object> container) {
        return ((List<Map<String, Object>>) container.get("env"))
                .stream().map(e -> (String) e.get("name")).toList();
    }

    @Test
    void lintsClean() {
        var result = new Helm(chart()).lint().strict().call();
        assertThat(result.isFailed())
                .as(String.join("\n", result.getMessages()))
                .isFalse();
    }

    @Test
    void defaultsAreOneControlPlaneOnSqliteWithAVolumeAsNonRoot() {
        List<Map<String, Object>> docs = render(t -> t);
        assertThat(kinds(docs))
                .containsExactlyInAnyOrder(
                        "PersistentVolumeClaim/ci-runway-data", "Deployment/ci-runway", "Service/ci-runway");
        Map<String, Object> server = find(docs, "Deployment", "ci-runway");
        assertThat(at(server, "spec", "replicas")).isEqualTo(1);
        assertThat(at(server, "spec", "strategy", "type")).isEqualTo("Recreate");
        assertThat(at(server, "spec", "template", "spec", "securityContext", "runAsNonRoot"))
                .isEqualTo(true);
        assertThat(at(server, "spec", "template", "spec", "securityContext", "runAsUser"))
                .isEqualTo(1000);
        Map<String, Object> c = container(server);
        assertThat(c.get("image"))
                .as("the image deploy/image/build-local makes")
                .isEqualTo("runway:local");
        assertThat(c.get("command")).isEqualTo(List.of("runway", "server", "--host", "0.0.0.0", "--data-dir", "/data"));
        assertThat(at(c, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(at(server, "spec", "template", "spec", "volumes", 0, "persistentVolumeClaim", "claimName"))
                .isEqualTo("ci-runway-data");
        assertThat(at(find(docs, "Service", "ci-runway"), "spec", "ports", 0, "port"))
                .isEqualTo(8080);
    }

    @Test
    void postgresRunsReplicasWithoutAVolumeAndOneMasterKey() {
        List<Map<String, Object>> docs = render(t -> t.set("server.replicas", 3)
                .set("server.database.url", "jdbc:postgresql://db:5432/runway")
                .set("server.database.user", "runway")
                .set("server.database.passwordSecret.name", "db")
                .set("server.masterKeySecret.name", "runway-master-key")
                .set("image.repository", "registry.example.com/runway")
                .set("image.tag", "0.1.0"));
        assertThat(kinds(docs)).doesNotContain("PersistentVolumeClaim/ci-runway-data");
        Map<String, Object> server = find(docs, "Deployment", "ci-runway");
        assertThat(at(server, "spec", "replicas")).isEqualTo(3);
        assertThat(at(server, "spec", "strategy", "type")).isEqualTo("RollingUpdate");
        Map<String, Object> c = container(server);
        assertThat(c.get("image")).isEqualTo("registry.example.com/runway:0.1.0");
        assertThat(envNames(c))
                .contains(
                        "RUNWAY_DATABASE_URL",
                        "RUNWAY_DATABASE_USER",
                        "RUNWAY_DATABASE_PASSWORD",
                        "RUNWAY_MASTER_KEY_FILE");
        assertThat(at(server, "spec", "template", "spec", "volumes", 1, "secret", "secretName"))
                .isEqualTo("runway-master-key");
    }

    @Test
    void refusesWhatCannotWork() {
        assertThatThrownBy(() -> render(t -> t.set("server.replicas", 2))).hasMessageContaining("needs PostgreSQL");
        assertThatThrownBy(() -> render(t -> t.set("server.database.url", "jdbc:postgresql://db/runway")))
                .hasMessageContaining("masterKeySecret.name is required");
        assertThatThrownBy(() -> render(t -> t.set("agent.enabled", true)))
                .hasMessageContaining("registrationTokenSecret.name is required");
    }

    @Test
    @SuppressWarnings("unchecked")
    void agentsAndTheScalerReachTheControlPlaneAndTheScalerOnlyItsPods() throws Exception {
        List<Map<String, Object>> docs = render(t -> t.set("agent.enabled", true)
                .set("agent.replicas", 2)
                .set("agent.registrationTokenSecret.name", "reg")
                .set("scaler.enabled", true));
        Map<String, Object> agent = find(docs, "Deployment", "ci-runway-agent");
        assertThat(at(agent, "spec", "replicas")).isEqualTo(2);
        assertThat(envNames(container(agent))).contains("RUNWAY_URL", "RUNWAY_REGISTRATION_TOKEN", "RUNWAY_LABELS");
        assertThat(at(container(agent), "env", 0, "value")).isEqualTo("http://ci-runway.runway.svc:8080");

        Map<String, Object> role = find(docs, "Role", "ci-runway-scaler");
        assertThat(at(role, "metadata", "namespace")).isEqualTo("runway-runners");
        List<Map<String, Object>> rules = (List<Map<String, Object>>) role.get("rules");
        assertThat(rules.stream().flatMap(r -> ((List<String>) r.get("resources")).stream()))
                .containsExactlyInAnyOrder("pods", "secrets");
        assertThat(rules.stream().flatMap(r -> ((List<String>) r.get("verbs")).stream()))
                .doesNotContain("*", "update", "patch");
        assertThat(kinds(docs)).contains("Namespace/runway-runners", "ServiceAccount/ci-runway-scaler");

        // the pools file the scaler reads: the chart's image and namespace filled in, and the control plane's URL
        String pools = (String) at(find(docs, "ConfigMap", "ci-runway-scaler-pools"), "data", "pools.yml");
        Map<String, Object> file =
                (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(pools);
        assertThat(file.get("scaler-id")).isEqualTo("ci-runway-scaler");
        assertThat(file.get("agent-url")).isEqualTo("http://ci-runway.runway.svc:8080");
        assertThat(at(file, "pools", "linux", "agent", "image")).isEqualTo("runway:local");
        assertThat(at(file, "pools", "linux", "kubernetes", "namespace")).isEqualTo("runway-runners");
        Map<String, Object> scaler = find(docs, "Deployment", "ci-runway-scaler");
        assertThat(at(scaler, "spec", "template", "spec", "serviceAccountName")).isEqualTo("ci-runway-scaler");
        List<String> command = (List<String>) container(scaler).get("command");
        assertThat(command)
                .isEqualTo(List.of(
                        "runway",
                        "scaler",
                        "--pools",
                        "/etc/runway/pools.yml",
                        "--url",
                        "http://ci-runway.runway.svc:8080"));
        // and the real runway takes that command line with that file (it once said --config, which the scaler reads
        // as option defaults: the pod would never have started)
        java.nio.file.Path poolsFile = java.nio.file.Files.createTempFile("pools-", ".yml");
        java.nio.file.Files.writeString(poolsFile, pools);
        List<String> run = new java.util.ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(),
                "-jar",
                DebPackageTest.repo().resolve("runway-cli/target/runway.jar").toString()));
        for (String a : command.subList(1, command.size()))
            run.add(a.equals("/etc/runway/pools.yml") ? poolsFile.toString() : a);
        run.add("--check");
        Process p = new ProcessBuilder(run).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        // past the command line and the pools file: what stops it here is only that no cluster is around
        assertThat(out)
                .doesNotContain("Missing required option", "Unknown option", "pools.yml:")
                .contains("pool linux: kubernetes: no cluster to talk to");
        java.nio.file.Files.delete(poolsFile);
    }
}
