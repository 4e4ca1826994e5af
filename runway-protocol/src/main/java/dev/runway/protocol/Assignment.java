package dev.runway.protocol;

/**
 * A claimed job (200 answer to a poll; 204 means nothing to do). {@code jobToken} authenticates every later
 * call for this attempt only; after the lease is lost those calls answer 409 {@code stale_attempt}.
 * The agent must heartbeat at least every {@code heartbeatSeconds}; the lease lasts {@code leaseSeconds}.
 */
public record Assignment(
        String jobId, int attempt, String jobToken, JobSpec spec, int leaseSeconds, int heartbeatSeconds) {}
