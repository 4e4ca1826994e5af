package dev.runway.protocol;

import java.time.Instant;
import java.util.List;

/**
 * A registered runner. {@code state} is {@code idle}, {@code busy}, {@code unhealthy} (it takes no jobs; {@code
 * unhealthyReason} says why) or {@code offline} (no recent contact). {@code pool}, {@code instance} and {@code
 * variant} are set for runners started by the fleet scaler (from their registration token); {@code firstJobAt} is
 * when the runner claimed its first job (null: none yet), for provisioning time. {@code resources} is
 * what the runner's host used at its last health report (null: never reported).
 */
public record RunnerView(
        String id,
        String name,
        List<String> labels,
        String state,
        int slots,
        int runningJobs,
        String version,
        Instant createdAt,
        Instant lastSeenAt,
        String unhealthyReason,
        String pool,
        String instance,
        String variant,
        Instant firstJobAt,
        RunnerResources resources) {}
