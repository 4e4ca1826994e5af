package dev.runway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building a config by name: defaults for what is not said, and copies that change one thing. */
class ServerConfigTest {
    static final Path DATA = Path.of("/srv/runway");

    @Test
    void whatIsNotSetHasItsDefault() {
        ServerConfig c = ServerConfig.builder(DATA).build();
        assertThat(c).isEqualTo(ServerConfig.defaults(DATA));
        assertThat(c.host()).isEqualTo(ServerConfig.DEFAULT_HOST);
        assertThat(c.port()).isEqualTo(ServerConfig.DEFAULT_PORT);
        assertThat(c.databaseUrl()).isNull();
        assertThat(c.leaseTimeout()).isEqualTo(ServerConfig.DEFAULT_LEASE_TIMEOUT);
        assertThat(c.defaultMaxAttempts()).isEqualTo(ServerConfig.DEFAULT_MAX_ATTEMPTS);
        assertThat(c.maxBodyBytes()).isEqualTo(ServerConfig.DEFAULT_MAX_BODY_BYTES);
        assertThat(c.masterKeyFile()).isEqualTo(DATA.resolve("master.key"));
        assertThat(c.github()).isEqualTo(ServerConfig.GitHubWebhooks.OFF);
        assertThat(c.retention())
                .isEqualTo(new ServerConfig.Retention(
                        Duration.ofDays(90), Duration.ofDays(90), Duration.ofDays(7), Duration.ofDays(400)));
    }

    @Test
    void aRetentionIsKeptByCopiesAndZeroOrNullKeepsForeverButNegativeIsRefused() {
        ServerConfig.Retention r =
                ServerConfig.Retention.DEFAULT.withLogs(Duration.ofDays(30)).withCaches(null);
        ServerConfig c = ServerConfig.builder(DATA).retention(r).build();
        assertThat(c.withPort(1).retention()).isEqualTo(r);
        assertThat(r.logs()).isEqualTo(Duration.ofDays(30));
        assertThat(r.caches()).as("null: forever").isEqualTo(Duration.ZERO);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ServerConfig.Retention.DEFAULT.withJobs(Duration.ofDays(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retention of jobs must not be negative");
    }

    @Test
    void aCopyKeepsEverythingButWhatIsChanged() {
        ServerConfig c = ServerConfig.builder(DATA)
                .host("0.0.0.0")
                .port(9000)
                .database("jdbc:postgresql://db/runway", "runway", "pw")
                .leaseTimeout(Duration.ofSeconds(10))
                .heartbeatInterval(Duration.ofSeconds(2))
                .longPollMax(Duration.ofSeconds(20))
                .defaultJobTimeout(Duration.ofMinutes(30))
                .defaultMaxAttempts(1)
                .maxLogBytes(1000)
                .maxBodyBytes(2000)
                .adminToken("rwa_x")
                .masterKeyFile(Path.of("/keys/master.key"))
                .github(new ServerConfig.GitHubWebhooks("s", Map.of("acme/web", "/git/web")))
                .build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.withPort(0)).isEqualTo(c.toBuilder().port(0).build()).satisfies(d -> {
            assertThat(d.port()).isZero();
            assertThat(d.databaseUser()).isEqualTo("runway");
            assertThat(d.masterKeyFile()).isEqualTo(Path.of("/keys/master.key"));
            assertThat(d.github().repos()).containsEntry("acme/web", "/git/web");
        });
        assertThat(c.withLimits(5, 6))
                .extracting(ServerConfig::maxLogBytes, ServerConfig::maxBodyBytes, ServerConfig::adminToken)
                .containsExactly(5L, 6L, "rwa_x");
    }

    @Test
    void aMasterKeyAtItsDefaultPlaceFollowsANewDataDir() {
        Path other = Path.of("/elsewhere");
        assertThat(ServerConfig.defaults(DATA).toBuilder()
                        .dataDir(other)
                        .build()
                        .masterKeyFile())
                .isEqualTo(other.resolve("master.key"));
        assertThat(ServerConfig.builder(DATA).masterKeyFile(Path.of("/keys/k")).build().toBuilder()
                        .dataDir(other)
                        .build()
                        .masterKeyFile())
                .isEqualTo(Path.of("/keys/k"));
    }
}
