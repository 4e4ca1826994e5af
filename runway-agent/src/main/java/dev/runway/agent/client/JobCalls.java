package dev.runway.agent.client;

import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.LogAppendResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the agent asks of the control plane for one attempt of a job, with that attempt's job token ({@code
 * rwj_...}, from its assignment). Failures as for {@link RunnerCalls}.
 */
public interface JobCalls {
    /** Renews one attempt's lease (control planes that do not serve {@link RunnerCalls#renewLeases} answer this). */
    HeartbeatResponse heartbeat(String jobId, String jobToken) throws IOException, InterruptedException;

    LogAppendResponse appendLog(String jobId, String jobToken, long offset, byte[] chunk)
            throws IOException, InterruptedException;

    void complete(String jobId, String jobToken, CompleteRequest request) throws IOException, InterruptedException;

    /** Uploads a zip as an artifact of the job's run (streamed from the file). */
    ArtifactView uploadArtifact(String jobId, String jobToken, String name, Path zip)
            throws IOException, InterruptedException;

    List<ArtifactView> artifacts(String jobId, String jobToken) throws IOException, InterruptedException;

    /** Downloads an artifact of the job's run into {@code to} (a file). */
    void downloadArtifact(String jobId, String jobToken, String name, Path to) throws IOException, InterruptedException;

    /** The cache entry for {@code key} or the newest with one of the {@code restoreKeys} prefixes; empty on a miss. */
    Optional<CacheEntry> cacheLookup(
            String jobId, String jobToken, String key, List<String> restoreKeys, String version)
            throws IOException, InterruptedException;

    void cacheDownload(String jobId, String jobToken, String key, String version, Path to)
            throws IOException, InterruptedException;

    /** Saves an archive under {@code key}; a {@link ServerException} with status 409 if the key exists already. */
    CacheEntry cacheSave(String jobId, String jobToken, String key, String version, Path archive)
            throws IOException, InterruptedException;
}
