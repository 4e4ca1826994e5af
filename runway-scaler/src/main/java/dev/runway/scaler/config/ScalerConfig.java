package dev.runway.scaler.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The scaler's file: the control plane it serves, where it keeps state, and its pools in order.
 *
 * @param scalerId labels every instance, so two scalers never touch each other's
 * @param agentUrl the control plane's URL as runners should reach it (null: the scaler's own {@code --url})
 */
public record ScalerConfig(
        String scalerId, Path stateDir, String agentUrl, Duration reconcileEvery, List<PoolConfig> pools) {
    public PoolConfig pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }
}
