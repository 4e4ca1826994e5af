package dev.runway.agent;

import dev.runway.agent.client.RunnerCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.registration.Credentials;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who the agent is to the control plane: the runner credential saved in {@link AgentConfig#credentialFile()}, or a
 * registration with the registration token that gets one; its rotation half-way through its life; and the
 * deregistration of an ephemeral runner.
 */
final class RunnerIdentity {
    private static final Logger log = LoggerFactory.getLogger(RunnerIdentity.class);

    private final AgentConfig config;
    private final RunnerCalls client;
    private final Supplier<Backoff> backoffs;
    private final Clock clock;
    /** The control plane(s), for messages. */
    private final Supplier<String> where;

    private final Object rotationLock = new Object();
    private volatile Credentials credentials;

    RunnerIdentity(
            AgentConfig config, RunnerCalls client, Supplier<Backoff> backoffs, Clock clock, Supplier<String> where) {
        this.config = config;
        this.client = client;
        this.backoffs = backoffs;
        this.clock = clock;
        this.where = where;
    }

    /** Registration failed for good; the message says why and what to do. */
    static final class RegistrationFailed extends Exception {
        RegistrationFailed(String m) {
            super(m);
        }
    }

    /** The current credentials; null before {@link #signIn}. */
    Credentials current() {
        return credentials;
    }

    /** The runner credential to present now. */
    String credential() {
        return credentials.credential();
    }

    /**
     * Takes the saved credential or registers and saves the one it gets. A registration that may pass later (the
     * control plane unreachable, a 5xx) is retried with backoff until it succeeds or {@code stopping} says stop.
     */
    void signIn(BooleanSupplier stopping) throws IOException, RegistrationFailed {
        credentials = saved(stopping);
    }

    private Credentials saved(BooleanSupplier stopping) throws IOException, RegistrationFailed {
        Credentials saved = Credentials.load(config.credentialFile());
        if (saved != null) return saved;
        String token = config.registrationToken();
        if (token == null || token.isBlank()) {
            throw new RegistrationFailed(
                    "no runner credential in " + config.credentialFile()
                            + " and no registration token given: pass --token (or RUNWAY_REGISTRATION_TOKEN) from `runway token create --registration`");
        }
        String name = config.name() != null && !config.name().isBlank() ? config.name() : hostName();
        Backoff backoff = backoffs.get();
        while (true) {
            try {
                RegisterResponse r = client.register(new RegisterRequest(
                        token, name, config.labels(), Math.max(1, config.slots()), RunwayAgent.VERSION));
                Credentials c = new Credentials(
                        config.serverUrl().toString(),
                        r.runnerId(),
                        r.name(),
                        r.credential(),
                        clock.instant(),
                        r.credentialExpiresAt());
                c.save(config.credentialFile());
                log.info(
                        "registered as runner {} ('{}'); credential saved in {}",
                        r.runnerId(),
                        r.name(),
                        config.credentialFile());
                return c;
            } catch (ServerException e) {
                if (!e.transientFailure()) throw new RegistrationFailed("registration refused: " + e.getMessage());
            } catch (IOException e) {
                log.warn("cannot reach the control plane at {} to register ({}); retrying", where.get(), e.toString());
            } catch (InterruptedException e) {
                throw new RegistrationFailed("interrupted while registering");
            }
            try {
                if (stopping.getAsBoolean()) throw new RegistrationFailed("stopped before registration completed");
                backoff.pause();
            } catch (InterruptedException e) {
                throw new RegistrationFailed("interrupted while registering");
            }
        }
    }

    /**
     * Replaces the runner credential half-way through its life: the control plane issues a new one and keeps the
     * old one valid for an hour, so polls and calls in flight on other slots do not fail. The new one is saved
     * (atomically, mode 0600) before it is used; a failure is retried on the next loop.
     */
    void rotateIfDue() {
        synchronized (rotationLock) {
            Credentials c = credentials;
            Instant now = clock.instant();
            if (!c.dueForRotation(now)) return;
            try {
                RegisterResponse.Rotated r = client.rotateCredential(c.credential());
                Credentials next = c.rotated(r.credential(), now, r.expiresAt());
                next.save(config.credentialFile());
                credentials = next;
                log.info("runner credential rotated; the new one expires {}", r.expiresAt());
            } catch (IOException | RuntimeException e) {
                log.warn("cannot rotate the runner credential yet: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Deregisters the runner (an ephemeral one, after its job) and removes its credential file. */
    void deregister() {
        try {
            client.deregister(credentials.credential());
            Files.deleteIfExists(config.credentialFile());
            log.info("ephemeral runner deregistered");
        } catch (IOException | RuntimeException e) {
            log.warn("could not deregister: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "runner";
        }
    }
}
