package dev.runway.scaler.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One pool of the scaler's file (see docs/scaler.md).
 *
 * @param kind {@code runway} (runners of this control plane) or {@code github} (GitHub's own runner, configured just
 *     in time, for teams that keep GitHub as their control plane)
 * @param labels the labels its runners have; a queued job goes to the first pool (in file order) whose labels
 *     include all of the job's
 * @param provider {@code process}, {@code container} or {@code kubernetes}
 * @param providerSettings the provider's own section of the pool ({@code container:}, {@code kubernetes:}), read by
 *     the provider; an empty object when absent
 */
public record PoolConfig(
        String name,
        String kind,
        List<String> labels,
        String provider,
        int minIdle,
        int max,
        Duration idleTimeout,
        Duration registerTimeout,
        boolean ephemeral,
        Agent agent,
        Canary canary,
        JsonNode providerSettings,
        GitHub github) {

    /**
     * What an instance runs. {@code command}: the process's command line, or the container's command (null: for a
     * process, this runway launcher's {@code agent}; for a container, the image's). {@code args} are appended after
     * the options the scaler sets ({@code --url --name --labels --ephemeral}).
     */
    public record Agent(
            String version, String image, List<String> command, List<String> args, Map<String, String> env) {}

    /** A rollout: {@code percent} of new runners use {@code agent} instead of the pool's. */
    public record Canary(int percent, Agent agent) {}

    /**
     * GitHub pools: the repository ({@code owner/name}) or organisation the runners join, the API to ask for
     * just-in-time configurations, and the token (read from a file) that may.
     */
    public record GitHub(String apiUrl, String repository, String organization, String tokenFile, long runnerGroupId) {}
}
