package dev.runway.agent;

import dev.runway.agent.client.JobCalls;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.LogAppendResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the control plane's calls of one attempt (job token), in memory: the log is kept with the real
 * endpoint's offset rule, completions are recorded and answer from a script. Artifacts and the cache are not
 * served (the built-in actions' tests cover them).
 */
final class FakeJobCalls implements JobCalls {
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    final List<CompleteRequest> completions = new CopyOnWriteArrayList<>();
    /** Failures of the next completions, in order (then they succeed). */
    final List<Exception> completionFailures = new ArrayList<>();

    @Override
    public synchronized LogAppendResponse appendLog(String jobId, String jobToken, long offset, byte[] chunk) {
        tokens.add(jobToken);
        int skip = (int) (log.size() - offset);
        if (skip >= 0 && skip < chunk.length) log.write(chunk, skip, chunk.length - skip);
        return new LogAppendResponse(log.size(), false);
    }

    synchronized String log() {
        return log.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void complete(String jobId, String jobToken, CompleteRequest request) throws IOException {
        tokens.add(jobToken);
        completions.add(request);
        Exception failure;
        synchronized (completionFailures) {
            failure = completionFailures.isEmpty() ? null : completionFailures.remove(0);
        }
        if (failure instanceof IOException e) throw e;
        if (failure instanceof RuntimeException e) throw e;
    }

    @Override
    public HeartbeatResponse heartbeat(String jobId, String jobToken) {
        return new HeartbeatResponse(false, null);
    }

    @Override
    public ArtifactView uploadArtifact(String jobId, String jobToken, String name, Path zip) {
        throw new UnsupportedOperationException("artifacts are not served here");
    }

    @Override
    public List<ArtifactView> artifacts(String jobId, String jobToken) {
        throw new UnsupportedOperationException("artifacts are not served here");
    }

    @Override
    public void downloadArtifact(String jobId, String jobToken, String name, Path to) {
        throw new UnsupportedOperationException("artifacts are not served here");
    }

    @Override
    public Optional<CacheEntry> cacheLookup(
            String jobId, String jobToken, String key, List<String> restoreKeys, String version) {
        throw new UnsupportedOperationException("the cache is not served here");
    }

    @Override
    public void cacheDownload(String jobId, String jobToken, String key, String version, Path to) {
        throw new UnsupportedOperationException("the cache is not served here");
    }

    @Override
    public CacheEntry cacheSave(String jobId, String jobToken, String key, String version, Path archive) {
        throw new UnsupportedOperationException("the cache is not served here");
    }
}
