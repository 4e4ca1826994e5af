package dev.runway.scaler.provider.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/**
 * The container engine the tests use and the one image they run: runway-agent's test busybox image (built from the
 * host's static busybox and imported through the engine's API, as no registry is reachable). Its {@code require}
 * skips without an engine, or fails under {@code CI=true}; this adds a plain docker-java client so the tests can
 * inspect what the provider created.
 */
final class TestEngine implements AutoCloseable {
    static final String IMAGE = dev.runway.agent.container.TestEngine.IMAGE;
    static final String REPOSITORY = IMAGE.substring(0, IMAGE.lastIndexOf(':'));

    final String host;
    final DockerClient client;

    private TestEngine(String host) {
        this.host = host;
        DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host)
                .build();
        this.client = DockerClientImpl.getInstance(
                cfg,
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(cfg.getDockerHost())
                        .connectionTimeout(Duration.ofSeconds(5))
                        .build());
    }

    /** A reachable engine that has {@link #IMAGE}; skips (or fails under CI=true) otherwise. */
    static TestEngine require() throws Exception {
        try (var agentEngine = dev.runway.agent.container.TestEngine.require()) {
            return new TestEngine(agentEngine.host());
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
