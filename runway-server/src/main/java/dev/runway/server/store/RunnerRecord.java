package dev.runway.server.store;

import java.util.Set;

public record RunnerRecord(
        String id,
        String name,
        Set<String> labels,
        int slots,
        String version,
        long createdAt,
        long lastSeenAt,
        boolean deleted,
        String unhealthyReason,
        String pool,
        String instance,
        String variant,
        Long firstJobAt,
        dev.runway.protocol.RunnerResources resources) {}
