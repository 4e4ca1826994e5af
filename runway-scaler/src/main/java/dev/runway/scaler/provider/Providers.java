package dev.runway.scaler.provider;

import dev.runway.scaler.config.ConfigException;
import dev.runway.scaler.config.PoolConfig;
import dev.runway.scaler.config.ScalerConfig;
import dev.runway.scaler.provider.container.ContainerProvider;
import dev.runway.scaler.provider.container.ContainerSettings;
import dev.runway.scaler.provider.kubernetes.KubernetesProvider;
import java.util.List;

/** The provider a pool names, built from the pool's own settings section. */
public final class Providers {
    public static Provider create(ScalerConfig scaler, PoolConfig pool) throws ConfigException {
        return create(scaler, pool, null);
    }

    /**
     * @param runwayAgent the command of this runway's own agent (the process provider's default): with it, process
     *     pools keep one agent JVM started ahead of need
     */
    public static Provider create(ScalerConfig scaler, PoolConfig pool, List<String> runwayAgent)
            throws ConfigException {
        return switch (pool.provider()) {
            case "process" ->
                new ProcessProvider(
                        scaler.stateDir(),
                        scaler.scalerId(),
                        pool.name(),
                        pool.kind().equals("runway") && pool.agent().command() == null ? runwayAgent : null);
            case "container" ->
                new ContainerProvider(
                        ContainerSettings.read(pool.name(), pool.providerSettings(), System.getenv()),
                        scaler.scalerId(),
                        pool.name());
            case "kubernetes" -> KubernetesProvider.create(scaler.scalerId(), pool);
            default ->
                throw new ConfigException(List.of(
                        "pool " + pool.name() + ": provider '" + pool.provider() + "' is not available in this build"));
        };
    }

    private Providers() {}
}
