package dev.runway.agent.client;

import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogAppendResponse;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything the agent asks of the control plane, one call per method. Failures: {@link ServerException} for an
 * answer that is not 2xx (it carries status and error code), {@link IOException} when the server is unreachable.
 */
public interface ServerClient {
    RegisterResponse register(RegisterRequest request) throws IOException, InterruptedException;

    /** Long-polls for one job; empty when the server held the poll and nothing came. */
    Optional<Assignment> poll(String credential, int waitSeconds) throws IOException, InterruptedException;

    /** Renews one attempt's lease (control planes that do not serve {@link #renewLeases} answer this). */
    HeartbeatResponse heartbeat(String jobId, String jobToken) throws IOException, InterruptedException;

    /**
     * Renews the leases of all of this runner's attempts in one call; a {@link ServerException} with status 404 from
     * a control plane older than this call.
     */
    LeaseRenewal.Answer renewLeases(String credential, LeaseRenewal request) throws IOException, InterruptedException;

    LogAppendResponse appendLog(String jobId, String jobToken, long offset, byte[] chunk)
            throws IOException, InterruptedException;

    void complete(String jobId, String jobToken, CompleteRequest request) throws IOException, InterruptedException;

    void deregister(String credential) throws IOException, InterruptedException;

    /** Asks the control plane to answer this runner's held polls now (graceful stop). */
    void release(String credential) throws IOException, InterruptedException;

    /** A new credential for this runner (the one presented keeps working for a short overlap). */
    dev.runway.protocol.RegisterResponse.Rotated rotateCredential(String credential)
            throws IOException, InterruptedException;

    /** Tells the control plane whether this runner can take jobs (shown in {@code runway runners}). */
    void health(String credential, dev.runway.protocol.RunnerHealth health) throws IOException, InterruptedException;

    /** Uploads a zip as an artifact of the job's run (streamed from the file). */
    ArtifactView uploadArtifact(String jobId, String jobToken, String name, Path zip)
            throws IOException, InterruptedException;

    List<ArtifactView> artifacts(String jobId, String jobToken) throws IOException, InterruptedException;

    /** The cache entry for {@code key} or the newest with one of the {@code restoreKeys} prefixes; empty on a miss. */
    Optional<CacheEntry> cacheLookup(
            String jobId, String jobToken, String key, List<String> restoreKeys, String version)
            throws IOException, InterruptedException;

    void cacheDownload(String jobId, String jobToken, String key, String version, Path to)
            throws IOException, InterruptedException;

    /** Saves an archive under {@code key}; a {@link ServerException} with status 409 if the key exists already. */
    CacheEntry cacheSave(String jobId, String jobToken, String key, String version, Path archive)
            throws IOException, InterruptedException;

    /** Downloads an artifact of the job's run into {@code to} (a file). */
    void downloadArtifact(String jobId, String jobToken, String name, Path to) throws IOException, InterruptedException;
}
