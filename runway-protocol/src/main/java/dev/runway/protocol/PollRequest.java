package dev.runway.protocol;

/**
 * Body of {@code POST /api/v1/runner/jobs/next}: hold the request up to {@code waitSeconds} (the server caps
 * it) until a matching job is queued. One poll claims at most one job; an agent with N slots runs N polls.
 */
public record PollRequest(int waitSeconds) {}
