package dev.runway.protocol;

/** Answer to an attempt heartbeat: {@code cancel} true asks the agent to stop the job now. */
public record HeartbeatResponse(boolean cancel, String reason) {}
