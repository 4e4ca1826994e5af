package dev.runway.agent.exec;

import dev.runway.protocol.ArtifactView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What built-in actions ask of the control plane for the running job (with its job token). */
public interface JobApi {
    ArtifactView uploadArtifact(String name, Path zip) throws IOException, InterruptedException;

    List<ArtifactView> artifacts() throws IOException, InterruptedException;

    void downloadArtifact(String name, Path to) throws IOException, InterruptedException;

    /** For executors run without a control plane (tests): every call fails with a clear message. */
    JobApi NONE = new JobApi() {
        @Override
        public ArtifactView uploadArtifact(String name, Path zip) throws IOException {
            throw new IOException("no control plane to store artifacts");
        }

        @Override
        public List<ArtifactView> artifacts() throws IOException {
            throw new IOException("no control plane to store artifacts");
        }

        @Override
        public void downloadArtifact(String name, Path to) throws IOException {
            throw new IOException("no control plane to store artifacts");
        }
    };
}
