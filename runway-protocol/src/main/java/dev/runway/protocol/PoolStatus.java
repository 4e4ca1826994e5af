package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * What the fleet scaler reports of one pool ({@code PUT /api/v1/pools/{name}}) after each decision: its settings,
 * the instances by state, the last decision and why, and provisioning times of recent runners (milliseconds: request
 * to runner registered, request to first job started; p50 and p95 over the last {@code samples}).
 */
public record PoolStatus(
        String provider,
        List<String> labels,
        int minIdle,
        int max,
        boolean ephemeral,
        int queued,
        int idle,
        int busy,
        int starting,
        int stopping,
        String lastDecision,
        String reason,
        Instant decidedAt,
        Provisioning provisioning,
        Canary canary) {

    public record Provisioning(int samples, long readyP50Ms, long readyP95Ms, long jobStartP50Ms, long jobStartP95Ms) {}

    /** The canary rollout the pool's file declares: what it rolls out, to which share of new runners. */
    public record Canary(String version, int percent) {}
}
