package dev.runway.scaler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.config.ScalerConfigFile;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScalerConfigFileTest {
    static ScalerConfig parse(String yaml) throws ConfigException {
        return ScalerConfigFile.parse("pools.yml", yaml, Path.of("/etc/runway"));
    }

    static String problems(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted:\n" + yaml);
    }

    @Test
    void readsAPoolWithDefaults() throws ConfigException {
        ScalerConfig c = parse("""
                pools:
                  linux:
                    labels: [linux, x64]
                    max: 4
                  gpu:
                    labels: gpu
                    provider: kubernetes
                    min-idle: 1
                    idle-timeout: 90s
                    ephemeral: false
                    agent: {image: "runway:1.2", version: "1.2", args: [--executor, container]}
                    canary: {percent: 20, version: "1.3", image: "runway:1.3"}
                    kubernetes: {namespace: ci, node-selector: {gpu: "true"}}
                """);
        assertThat(c.stateDir()).isEqualTo(Path.of("/etc/runway/.runway/scaler"));
        PoolConfig linux = c.pools().getFirst();
        assertThat(linux.name()).isEqualTo("linux");
        assertThat(linux.labels()).containsExactly("linux", "x64");
        assertThat(linux.provider()).isEqualTo("process");
        assertThat(linux.max()).isEqualTo(4);
        assertThat(linux.minIdle()).isZero();
        assertThat(linux.ephemeral()).isTrue();
        assertThat(linux.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        PoolConfig gpu = c.pool("gpu");
        assertThat(gpu.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(gpu.ephemeral()).isFalse();
        assertThat(gpu.agent().args()).containsExactly("--executor", "container");
        assertThat(gpu.canary().percent()).isEqualTo(20);
        assertThat(Scaler.agentOf(gpu, "canary").image()).isEqualTo("runway:1.3");
        assertThat(Scaler.agentOf(gpu, "canary").args()).containsExactly("--executor", "container");
        assertThat(Scaler.agentOf(gpu, "stable").image()).isEqualTo("runway:1.2");
        assertThat(gpu.providerSettings().get("namespace").asText()).isEqualTo("ci");
    }

    @Test
    void everyProblemIsReportedAtItsLineAndColumn() {
        String p = problems("""
                pools:
                  linux:
                    labels: [linux]
                    max: lots
                    min-idel: 1
                    provider: cloud
                    idle-timeout: soon
                """);
        assertThat(p)
                .contains("pools.yml:4:10: max: expected a whole number from 1 to 10000 (got 'lots')")
                .contains("pools.yml:5:5: unknown key 'min-idel' in pools.linux; expected one of")
                .contains("pools.yml:6:15: provider: one of process, container, kubernetes (got 'cloud')")
                .contains("pools.yml:7:19: idle-timeout: expected a duration such as 30s, 5m, 1h (got 'soon')");
    }

    @Test
    void rejectsInconsistentPools() {
        assertThat(problems("pools:\n  a:\n    labels: [x]\n    min-idle: 5\n    max: 2\n"))
                .contains("pools.yml:4:15: min-idle (5) is more than max (2)");
        assertThat(problems("pools:\n  a:\n    labels: [x]\n    container: {cpus: 2}\n"))
                .contains("pools.yml:4:5: 'container:' settings, but the pool's provider is process");
        assertThat(problems("pools:\n  a:\n    max: 2\n")).contains("pools.yml:3:5: labels: at least one label");
        assertThat(problems("pools:\n  Bad Name:\n    labels: [x]\n")).contains("pools.yml:2:3: pool name 'Bad Name'");
        assertThat(problems("pools:\n  gh:\n    kind: github\n    labels: [x]\n    github: {repository: nope}\n"))
                .contains("repository: owner/name (got 'nope')")
                .contains("token-file");
        assertThat(problems("pools:\n  a:\n    labels: [x]\n    canary: {percent: 150}\n"))
                .contains("percent: expected a whole number from 1 to 100")
                .contains("canary: give the version it rolls out");
    }

    @Test
    void malformedYamlAndEmptyFilesAreClearErrors() {
        assertThat(problems("pools:\n  a: [unclosed\n")).startsWith("pools.yml:");
        assertThat(problems("")).contains("expected a mapping with 'pools:'");
        assertThat(problems("pools: {}\n")).contains("pools: expected a mapping of pool name to its settings");
        assertThat(problems("pools:\n  a:\n    labels: [x]\n  a:\n    labels: [y]\n"))
                .contains("pools.yml:4:", "Duplicate field 'a'");
    }
}
