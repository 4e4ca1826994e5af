package dev.runway.agent;

import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.LogBatch;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RunnerHealth;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * A stand-in for the control plane's runner calls (runner credential), in memory: polls and registrations answer
 * from scripts, everything asked is recorded. A poll with nothing scripted is held, as the real one is, until
 * {@link #release} answers it with nothing (or the polling thread is interrupted).
 */
final class FakeRunner implements RunnerCalls {
    /** Answers to polls, in order: an {@link Assignment}, {@link #NOTHING}, or an exception to throw. */
    final BlockingQueue<Object> polls = new LinkedBlockingQueue<>();

    static final Object NOTHING = new Object();

    /** Answers to registrations, in order: a {@link RegisterResponse} or an exception to throw. */
    final List<Object> registrations = new ArrayList<>();

    final List<String> polledWith = new CopyOnWriteArrayList<>();
    final List<RegisterRequest> registered = new CopyOnWriteArrayList<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    final List<RunnerHealth> health = new CopyOnWriteArrayList<>();
    final List<String> rotatedWith = new CopyOnWriteArrayList<>();
    final List<String> deregistered = new CopyOnWriteArrayList<>();
    /** What {@link #rotateCredential} answers; null: it fails (unreachable). */
    volatile RegisterResponse.Rotated rotation;
    /** Thrown by {@link #release} when set. */
    volatile IOException releaseFailure;
    /** How many releases are ignored (a poll that reached the control plane after the release is still held). */
    volatile int releasesIgnored;

    /** How long a scripted assignment takes to arrive (a slow network or a busy control plane), in ms. */
    volatile long answerDelayMillis;
    /** Whether lease renewals are refused (the control plane ended the leases). */
    volatile boolean leasesRefused;
    /** Lease renewal calls, as attempts renewed per call. */
    final List<Integer> renewals = new CopyOnWriteArrayList<>();

    private final Semaphore releases = new Semaphore(0);
    /** Held polls cut by an interrupt rather than answered. */
    final java.util.concurrent.atomic.AtomicInteger interrupted = new java.util.concurrent.atomic.AtomicInteger();
    /** Polls being held now. */
    final Semaphore held = new Semaphore(0);

    @Override
    public RegisterResponse register(RegisterRequest request) throws IOException {
        registered.add(request);
        Object next = registrations.isEmpty() ? new IOException("no registration scripted") : registrations.remove(0);
        if (next instanceof IOException e) throw e;
        if (next instanceof RuntimeException e) throw e;
        return (RegisterResponse) next;
    }

    @Override
    public Optional<Assignment> poll(String credential, int waitSeconds) throws IOException, InterruptedException {
        polledWith.add(credential);
        Object next = polls.poll();
        if (next == null) {
            held.release();
            try {
                releases.acquire(); // held until a release answers it
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            } finally {
                held.acquireUninterruptibly();
            }
            return Optional.empty();
        }
        if (next instanceof IOException e) throw e;
        if (next instanceof RuntimeException e) throw e;
        if (next instanceof Assignment && answerDelayMillis > 0) Thread.sleep(answerDelayMillis); // the answer's way
        return next == NOTHING ? Optional.empty() : Optional.of((Assignment) next);
    }

    @Override
    public LeaseRenewal.Answer renewLeases(String credential, LeaseRenewal request) {
        renewals.add(request.attempts().size());
        List<LeaseRenewal.Lease> all = new ArrayList<>();
        for (LeaseRenewal.Attempt a : request.attempts())
            all.add(new LeaseRenewal.Lease(a.jobId(), a.attempt(), !leasesRefused, false, null));
        return new LeaseRenewal.Answer(all);
    }

    /** Answers 404, as a control plane older than the batched upload: the agent then uploads per attempt. */
    @Override
    public LogBatch.Answer appendLogs(String credential, LogBatch batch) {
        throw new ServerException(404, "not_found", "no such route", null);
    }

    @Override
    public void deregister(String credential) {
        deregistered.add(credential);
    }

    @Override
    public synchronized void release(String credential) throws IOException {
        released.add(credential);
        if (releaseFailure != null) throw releaseFailure;
        if (releasesIgnored > 0) {
            releasesIgnored--;
            return;
        }
        releases.release(held.availablePermits());
    }

    @Override
    public RegisterResponse.Rotated rotateCredential(String credential) throws IOException {
        rotatedWith.add(credential);
        if (rotation == null) throw new IOException("connection refused");
        return rotation;
    }

    @Override
    public void health(String credential, RunnerHealth h) {
        health.add(h);
    }
}
