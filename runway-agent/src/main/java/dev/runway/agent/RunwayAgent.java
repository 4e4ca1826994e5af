package dev.runway.agent;

/** STUB (replaced by the agent implementation): one runner agent process. */
public final class RunwayAgent {
  public RunwayAgent(AgentConfig config) {}

  /**
   * Registers (or reuses the saved credential), then polls and runs jobs until {@link #shutdown()} is called
   * or, with {@code ephemeral}, one job has run. Returns the process exit code (0 on a clean stop).
   */
  public int run() {
    throw new UnsupportedOperationException("not built yet");
  }

  /** Graceful stop (SIGTERM): take no new jobs, let running ones finish within the grace period, then cancel them. */
  public void shutdown() {}
}
