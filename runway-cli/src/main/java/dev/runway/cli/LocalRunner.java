package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.server.RunwayServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The runner that `runway up` and `runway run` start next to their embedded control plane. */
final class LocalRunner {
    /**
     * Its configuration: registered once with a fresh registration token, then known by its credential in
     * {@code dataDir}.
     */
    static AgentConfig config(
            RunwayServer server,
            ApiClient api,
            Path dataDir,
            String name,
            List<String> labels,
            int slots,
            Duration shutdownGrace,
            Map<String, String> secrets) {
        Path credential = dataDir.resolve("runner-credential.json");
        String registration = Files.exists(credential)
                ? null
                : api.post(
                                ApiPaths.REGISTRATION_TOKENS,
                                new RegistrationTokenRequest("10m", 1),
                                RegistrationTokenView.class)
                        .token();
        return new AgentConfig(
                URI.create(server.url()),
                registration,
                name,
                labels,
                dataDir.resolve("work"),
                credential,
                slots,
                false,
                shutdownGrace,
                Duration.ofSeconds(30),
                secrets,
                "shell",
                true,
                dev.runway.agent.exec.JobLimits.NONE,
                null,
                null,
                AgentConfig.DEFAULT_MIN_FREE_DISK);
    }

    private LocalRunner() {}
}
