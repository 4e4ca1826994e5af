package dev.runway.scaler.provider;

import java.time.Instant;

/**
 * An instance a provider holds for a pool. {@code running} false: it exited (an ephemeral runner after its job, or a
 * crash) and waits to be removed; {@code detail} says how it ended or what state it is in, for the decision log.
 */
public record Instance(String name, String pool, String variant, Instant createdAt, boolean running, String detail) {}
