package dev.runway.scaler.provider;

import java.io.IOException;
import java.util.List;

/**
 * Where a pool's runners run: local processes, containers, Kubernetes pods. One provider object serves one pool.
 * Every instance carries the {@link Labels scaler's labels}, so {@link #list()} finds the instances of an earlier
 * scaler process too (a restart adopts them; nothing is orphaned).
 */
public interface Provider extends AutoCloseable {
    /**
     * Creates and starts one instance; returns once the provider has it (not when its runner registered). Throws
     * with a message an operator can act on when the provider refuses (e.g. the image is missing).
     */
    Instance start(Launch launch) throws IOException;

    /** The pool's instances, running or exited, found by their labels. */
    List<Instance> list() throws IOException;

    /** Stops the instance (if it still runs) and removes it with whatever it left; no error if it is gone. */
    void remove(String instanceName) throws IOException;

    @Override
    default void close() {}
}
