package dev.runway.protocol;

/**
 * Answer to a log chunk upload: {@code committed} is the durable log length after the append. A chunk that
 * starts below it is applied only for its new bytes (so a retried upload is a no-op); a chunk that starts
 * beyond it is refused with 409 and this same body so the agent can resend from {@code committed}.
 * {@code truncated} is true once the per-job log limit was hit (later bytes are dropped).
 */
public record LogAppendResponse(long committed, boolean truncated) {}
