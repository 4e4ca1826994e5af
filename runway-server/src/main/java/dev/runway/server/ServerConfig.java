package dev.runway.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything the control plane can be told at start. Only the CLI reads files, flags and environment
 * variables; it builds one of these (see docs/configuration.md for names and precedence).
 *
 * @param host address to bind
 * @param port TCP port; 0 picks a free one ({@link RunwayServer#port()} tells which)
 * @param dataDir data directory: the SQLite database, the bootstrap admin token file
 * @param databaseUrl JDBC URL; null means SQLite at {@code dataDir/runway.db}; {@code jdbc:postgresql://...} for PostgreSQL
 * @param databaseUser user for a PostgreSQL URL (may be null)
 * @param databasePassword password for a PostgreSQL URL (may be null)
 * @param leaseTimeout a running attempt without a heartbeat for this long is lost
 * @param heartbeatInterval how often agents are told to heartbeat (well below leaseTimeout)
 * @param longPollMax the longest a runner poll is held
 * @param defaultJobTimeout job timeout when the spec gives none
 * @param defaultMaxAttempts attempts per job when the spec gives none (1 = never requeue a lost job)
 * @param maxLogBytes per-job log limit; later bytes are dropped and a marker is written
 * @param maxBodyBytes largest accepted request body
 * @param adminToken bootstrap admin API token; null means generate one on first start and keep it in
 *     {@code dataDir/admin-token} (mode 0600)
 * @param masterKeyFile the key that encrypts secrets at rest (base64, mode 0600); null means
 *     {@code <dataDir>/master.key}, created on first start
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        String databaseUrl,
        String databaseUser,
        String databasePassword,
        Duration leaseTimeout,
        Duration heartbeatInterval,
        Duration longPollMax,
        Duration defaultJobTimeout,
        int defaultMaxAttempts,
        long maxLogBytes,
        long maxBodyBytes,
        String adminToken,
        Path masterKeyFile,
        GitHubWebhooks github) {

    /**
     * GitHub webhooks: the shared secret that signs deliveries (null: webhooks off), and where Runway fetches each
     * repository it starts runs for ({@code owner/name} → git URL or local path; a mirror in air-gapped sites).
     */
    public record GitHubWebhooks(String secret, java.util.Map<String, String> repos) {
        public GitHubWebhooks {
            repos = repos == null ? java.util.Map.of() : java.util.Map.copyOf(repos);
        }

        public static final GitHubWebhooks OFF = new GitHubWebhooks(null, java.util.Map.of());
    }

    public ServerConfig {
        if (masterKeyFile == null && dataDir != null) masterKeyFile = dataDir.resolve("master.key");
        if (github == null) github = GitHubWebhooks.OFF;
    }

    /** A runner not heard from for this long is offline: past the lease and the longest poll, with some slack. */
    public Duration offlineAfter() {
        return Duration.ofMillis(Math.max(leaseTimeout.toMillis(), longPollMax.toMillis()) + 5000);
    }

    public ServerConfig withGitHub(GitHubWebhooks g) {
        return new ServerConfig(
                host,
                port,
                dataDir,
                databaseUrl,
                databaseUser,
                databasePassword,
                leaseTimeout,
                heartbeatInterval,
                longPollMax,
                defaultJobTimeout,
                defaultMaxAttempts,
                maxLogBytes,
                maxBodyBytes,
                adminToken,
                masterKeyFile,
                g);
    }

    /** With these lease, heartbeat and long-poll times (tests shorten them). */
    public ServerConfig withTimes(Duration lease, Duration heartbeat, Duration longPoll) {
        return new ServerConfig(
                host,
                port,
                dataDir,
                databaseUrl,
                databaseUser,
                databasePassword,
                lease,
                heartbeat,
                longPoll,
                defaultJobTimeout,
                defaultMaxAttempts,
                maxLogBytes,
                maxBodyBytes,
                adminToken,
                masterKeyFile,
                github);
    }

    /** With these log and request body limits. */
    public ServerConfig withLimits(long logBytes, long bodyBytes) {
        return new ServerConfig(
                host,
                port,
                dataDir,
                databaseUrl,
                databaseUser,
                databasePassword,
                leaseTimeout,
                heartbeatInterval,
                longPollMax,
                defaultJobTimeout,
                defaultMaxAttempts,
                logBytes,
                bodyBytes,
                adminToken,
                masterKeyFile,
                github);
    }

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8420;
    public static final Duration DEFAULT_LEASE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_LONG_POLL_MAX = Duration.ofSeconds(30);
    public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofHours(6);
    public static final int DEFAULT_MAX_ATTEMPTS = 2;
    public static final long DEFAULT_MAX_LOG_BYTES = 100L * 1024 * 1024;
    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(
                DEFAULT_HOST,
                DEFAULT_PORT,
                dataDir,
                null,
                null,
                null,
                DEFAULT_LEASE_TIMEOUT,
                DEFAULT_HEARTBEAT_INTERVAL,
                DEFAULT_LONG_POLL_MAX,
                DEFAULT_JOB_TIMEOUT,
                DEFAULT_MAX_ATTEMPTS,
                DEFAULT_MAX_LOG_BYTES,
                DEFAULT_MAX_BODY_BYTES,
                null,
                null,
                null);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(
                host,
                p,
                dataDir,
                databaseUrl,
                databaseUser,
                databasePassword,
                leaseTimeout,
                heartbeatInterval,
                longPollMax,
                defaultJobTimeout,
                defaultMaxAttempts,
                maxLogBytes,
                maxBodyBytes,
                adminToken,
                masterKeyFile,
                github);
    }
}
