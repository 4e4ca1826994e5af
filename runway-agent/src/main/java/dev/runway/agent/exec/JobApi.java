package dev.runway.agent.exec;

import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What built-in actions ask of the control plane for the running job (with its job token). */
public interface JobApi {
    ArtifactView uploadArtifact(String name, Path zip) throws IOException, InterruptedException;

    List<ArtifactView> artifacts() throws IOException, InterruptedException;

    void downloadArtifact(String name, Path to) throws IOException, InterruptedException;

    Optional<CacheEntry> cacheLookup(String key, List<String> restoreKeys, String version)
            throws IOException, InterruptedException;

    void cacheDownload(String key, String version, Path to) throws IOException, InterruptedException;

    CacheEntry cacheSave(String key, String version, Path archive) throws IOException, InterruptedException;

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

        @Override
        public Optional<CacheEntry> cacheLookup(String key, List<String> restoreKeys, String version)
                throws IOException {
            throw new IOException("no control plane to store caches");
        }

        @Override
        public void cacheDownload(String key, String version, Path to) throws IOException {
            throw new IOException("no control plane to store caches");
        }

        @Override
        public CacheEntry cacheSave(String key, String version, Path archive) throws IOException {
            throw new IOException("no control plane to store caches");
        }
    };
}
