package dev.runway.protocol;

import java.util.List;

/** Body of {@code POST /api/v1/runners/register}: exchanges a registration token for a runner credential. */
public record RegisterRequest(String token, String name, List<String> labels, int slots, String version) {}
