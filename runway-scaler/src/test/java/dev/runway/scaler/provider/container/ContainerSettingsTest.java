package dev.runway.scaler.provider.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import dev.runway.scaler.config.YamlTree;
import dev.runway.scaler.provider.Provider;
import dev.runway.scaler.provider.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pool's {@code container:} section as the scaler's file gives it (no engine needed: nothing connects yet). */
class ContainerSettingsTest {
    private static ContainerSettings read(String yaml, Map<String, String> env) throws ConfigException {
        try {
            JsonNode node = YamlTree.parse(yaml).tree();
            return ContainerSettings.read("gpu", node, env);
        } catch (YamlTree.YamlException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> problems(String yaml) {
        try {
            read(yaml, Map.of());
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("no ConfigException for " + yaml);
    }

    @Test
    void defaults() throws Exception {
        ContainerSettings s = ContainerSettings.read("gpu", null, Map.of());
        assertThat(s)
                .isEqualTo(new ContainerSettings(
                        ContainerSettings.localEngine(), // Docker's socket, else Podman's, as the agent does
                        "host",
                        null,
                        null,
                        null,
                        List.of(),
                        null,
                        ContainerSettings.Pull.MISSING));
        assertThat(ContainerSettings.read("gpu", null, Map.of("DOCKER_HOST", "unix:///run/podman/podman.sock"))
                        .engine())
                .isEqualTo("unix:///run/podman/podman.sock");
    }

    @Test
    void everySetting() throws Exception {
        ContainerSettings s = read("""
                engine: tcp://10.0.0.5:2375
                network: runners
                cpus: 1.5
                memory: 4g
                pids-limit: 512
                volumes: [/usr/lib/jvm:/usr/lib/jvm:ro, /srv/cache:/cache]
                user: "1000:1000"
                pull: never
                """, Map.of("DOCKER_HOST", "unix:///ignored.sock"));
        assertThat(s)
                .isEqualTo(new ContainerSettings(
                        "tcp://10.0.0.5:2375",
                        "runners",
                        1.5,
                        4L << 30,
                        512L,
                        List.of("/usr/lib/jvm:/usr/lib/jvm:ro", "/srv/cache:/cache"),
                        "1000:1000",
                        ContainerSettings.Pull.NEVER));
    }

    @Test
    void sizes() {
        assertThat(ContainerSettings.parseBytes("512m")).isEqualTo(512L << 20);
        assertThat(ContainerSettings.parseBytes("1.5g")).isEqualTo(3L << 29);
        assertThat(ContainerSettings.parseBytes("4GiB")).isEqualTo(4L << 30);
        assertThat(ContainerSettings.parseBytes("65536k")).isEqualTo(64L << 20);
        assertThat(ContainerSettings.parseBytes("10000000")).isEqualTo(10_000_000L);
        assertThat(ContainerSettings.parseBytes("lots")).isNull();
        assertThat(ContainerSettings.parseBytes("-1g")).isNull();
    }

    @Test
    void privilegedIsRefusedWithTheReason() {
        assertThat(problems("privileged: true"))
                .singleElement()
                .asString()
                .startsWith("pool gpu: container.privileged: not accepted: a privileged runner container gives every"
                        + " job it runs root on this host");
    }

    @Test
    void everyBadValueIsReportedAtOnce() {
        assertThat(problems("""
                        engine: http://docker:2375
                        network: "my net"
                        cpus: 0
                        memory: 1k
                        pids-limit: 1.5
                        volumes: [relative:/x, /a:b, "/a:/b:rx", /only]
                        user: " "
                        pull: sometimes
                        imgae: x
                        """))
                .containsExactly(
                        "pool gpu: container.imgae: unknown key; expected one of cpus, engine, memory, network,"
                                + " pids-limit, pull, user, volumes",
                        "pool gpu: container.engine: expected unix:///path/to/socket or tcp://host:port (got"
                                + " 'http://docker:2375')",
                        "pool gpu: container.network: expected host or the name of a network on the engine (got 'my"
                                + " net')",
                        "pool gpu: container.cpus: expected a number of CPUs above 0, such as 2 or 1.5 (got '0')",
                        "pool gpu: container.memory: expected a size of at least 6m, such as 512m or 4g, or a number"
                                + " of bytes (got '1k')",
                        "pool gpu: container.pids-limit: expected a whole number of processes, at least 1 (got"
                                + " '1.5')",
                        "pool gpu: container.volumes: 'relative:/x': the host path must be absolute",
                        "pool gpu: container.volumes: '/a:b': the container path must be absolute",
                        "pool gpu: container.volumes: '/a:/b:rx': the mode must be ro or rw (got 'rx')",
                        "pool gpu: container.volumes: '/only': expected host:container or host:container:ro"
                                + " (absolute paths)",
                        "pool gpu: container.user: expected a user name, uid or uid:gid (got '')",
                        "pool gpu: container.pull: expected missing, never or always (got 'sometimes')");
    }

    @Test
    void wrongShapes() {
        assertThat(problems("volumes: /a:/b"))
                .containsExactly("pool gpu: container.volumes: expected a list of" + " host:container[:ro] binds");
        assertThat(problems("network: [a]"))
                .containsExactly("pool gpu: container.network: expected a single value, not a list");
        assertThat(problems("memory: {a: 1}"))
                .containsExactly("pool gpu: container.memory: expected a size of at least 6m, such as 512m or 4g,"
                        + " or a number of bytes (got 'a mapping')");
        assertThatThrownBy(() ->
                        ContainerSettings.read("gpu", YamlTree.parse("[1]").tree(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pool gpu: container: expected a mapping of settings");
    }

    @Test
    void providersBuildsAContainerProviderFromThePoolsSection() throws Exception {
        ScalerConfig config = ScalerConfigFile.parse("scaler.yaml", """
                pools:
                  linux:
                    labels: [linux]
                    provider: container
                    agent: {image: "localhost/runway:agent"}
                    container: {engine: "unix:///run/podman/podman.sock", memory: 2g}
                """, Path.of("/tmp"));
        try (Provider p = Providers.create(config, config.pool("linux"))) {
            assertThat(p)
                    .isInstanceOf(ContainerProvider.class)
                    .hasToString("container provider for linux on unix:///run/podman/podman.sock");
        }

        ScalerConfig bad = ScalerConfigFile.parse("scaler.yaml", """
                pools:
                  linux:
                    labels: [linux]
                    provider: container
                    container: {privileged: true, pull: often}
                """, Path.of("/tmp"));
        assertThatThrownBy(() -> Providers.create(bad, bad.pool("linux")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("pool linux: container.privileged: not accepted")
                .hasMessageContaining("pool linux: container.pull: expected missing, never or always (got 'often')");
    }
}
