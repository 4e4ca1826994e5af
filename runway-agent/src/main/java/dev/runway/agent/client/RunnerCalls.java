package dev.runway.agent.client;

import dev.runway.protocol.Assignment;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RunnerHealth;
import java.io.IOException;
import java.util.Optional;

/**
 * What the agent asks of the control plane as the runner: registration, then calls with the runner credential
 * ({@code rwr_...}). Failures: {@link ServerException} for an answer that is not 2xx (it carries status and error
 * code), {@link IOException} when the server is unreachable.
 */
public interface RunnerCalls {
    RegisterResponse register(RegisterRequest request) throws IOException, InterruptedException;

    /** Long-polls for one job; empty when the server held the poll and nothing came. */
    Optional<Assignment> poll(String credential, int waitSeconds) throws IOException, InterruptedException;

    /**
     * Renews the leases of all of this runner's attempts in one call; a {@link ServerException} with status 404 from
     * a control plane older than this call (then {@link JobCalls#heartbeat} renews one attempt's).
     */
    LeaseRenewal.Answer renewLeases(String credential, LeaseRenewal request) throws IOException, InterruptedException;

    /**
     * Appends log chunks of several of this runner's attempts in one call, each answered on its own; a {@link
     * ServerException} with status 404 from a control plane older than this call (then {@link JobCalls#appendLog}
     * uploads one attempt's chunk).
     */
    LogBatch.Answer appendLogs(String credential, LogBatch batch) throws IOException, InterruptedException;

    void deregister(String credential) throws IOException, InterruptedException;

    /** Asks the control plane to answer this runner's held polls now (graceful stop). */
    void release(String credential) throws IOException, InterruptedException;

    /** A new credential for this runner (the one presented keeps working for a short overlap). */
    RegisterResponse.Rotated rotateCredential(String credential) throws IOException, InterruptedException;

    /** Tells the control plane whether this runner can take jobs (shown in {@code runway runners}). */
    void health(String credential, RunnerHealth health) throws IOException, InterruptedException;
}
