package dev.runway.server;

/** STUB (replaced by the server implementation): the control plane, started and stopped as one object. */
public final class RunwayServer implements AutoCloseable {
  /** Opens the store (migrating it), binds HTTP and starts background loops; returns when ready to serve. */
  public static RunwayServer start(ServerConfig config) {
    throw new UnsupportedOperationException("not built yet");
  }

  /** The bound port (useful with port 0). */
  public int port() {
    throw new UnsupportedOperationException();
  }

  /** Base URL, e.g. http://127.0.0.1:8420 */
  public String url() {
    throw new UnsupportedOperationException();
  }

  /** The bootstrap admin API token (from config, or generated on first start and kept in dataDir/admin-token). */
  public String adminToken() {
    throw new UnsupportedOperationException();
  }

  /** Stops accepting, releases held polls, closes the store. */
  @Override
  public void close() {}
}
