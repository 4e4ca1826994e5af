package dev.runway.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
 * @param retention how long logs, artifacts, caches and finished jobs and runs are kept (docs/operations.md)
 * @param blobStore the S3 bucket artifact and cache bodies live in, shared by every replica; null keeps them in the
 *     data dir
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
        GitHubWebhooks github,
        Statuses statuses,
        Retention retention,
        dev.runway.server.blobs.S3BlobStore.Config blobStore) {

    /**
     * How long each kind of data is kept; {@link Duration#ZERO} keeps it forever. Logs: from the end of the job,
     * their body is replaced by one line saying it was removed. Artifacts: from their upload. Caches: from their last
     * use (GitHub's rule). Jobs and runs: from their end, with everything of theirs (attempts, logs, artifacts).
     */
    public record Retention(Duration logs, Duration artifacts, Duration caches, Duration jobs) {
        public static final Duration DEFAULT_LOGS = Duration.ofDays(90);
        public static final Duration DEFAULT_ARTIFACTS = Duration.ofDays(90);
        public static final Duration DEFAULT_CACHES = Duration.ofDays(7);
        public static final Duration DEFAULT_JOBS = Duration.ofDays(400);
        public static final Retention DEFAULT =
                new Retention(DEFAULT_LOGS, DEFAULT_ARTIFACTS, DEFAULT_CACHES, DEFAULT_JOBS);
        /** Everything kept forever. */
        public static final Retention FOREVER =
                new Retention(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

        public Retention {
            logs = orForever(logs, "logs");
            artifacts = orForever(artifacts, "artifacts");
            caches = orForever(caches, "caches");
            jobs = orForever(jobs, "jobs");
        }

        private static Duration orForever(Duration d, String what) {
            if (d == null) return Duration.ZERO;
            if (d.isNegative())
                throw new IllegalArgumentException("retention of " + what + " must not be negative: " + d);
            return d;
        }

        public Retention withLogs(Duration d) {
            return new Retention(d, artifacts, caches, jobs);
        }

        public Retention withArtifacts(Duration d) {
            return new Retention(logs, d, caches, jobs);
        }

        public Retention withCaches(Duration d) {
            return new Retention(logs, artifacts, d, jobs);
        }

        public Retention withJobs(Duration d) {
            return new Retention(logs, artifacts, caches, d);
        }
    }

    /**
     * Commit statuses reported to a forge for each workflow job: its status API ({@code https://api.github.com}, a
     * GitHub Enterprise Server's {@code https://HOST/api/v3}, or a Gitea/Forgejo's {@code https://HOST/api/v1}) and
     * kind, the token, the repositories ({@code owner/name}) whose runs are reported, and the dashboard's public
     * address for the links (null: no link). {@link #OFF} without a token.
     */
    public record Statuses(
            java.net.URI api,
            dev.runway.server.forge.StatusApi.Flavour flavour,
            String token,
            java.util.Set<String> repositories,
            String publicUrl) {
        public Statuses {
            repositories = repositories == null ? java.util.Set.of() : java.util.Set.copyOf(repositories);
        }

        public static final Statuses OFF = new Statuses(null, null, null, null, null);

        public boolean on() {
            return token != null && api != null && !repositories.isEmpty();
        }
    }

    /**
     * GitHub webhooks: the shared secret that signs deliveries (null: webhooks off), and where Runway fetches each
     * repository it starts runs for ({@code owner/name} → git URL or local path; a mirror in air-gapped sites).
     */
    public record GitHubWebhooks(String secret, Map<String, String> repos) {
        public GitHubWebhooks {
            repos = repos == null ? Map.of() : Map.copyOf(repos);
        }

        public static final GitHubWebhooks OFF = new GitHubWebhooks(null, Map.of());
    }

    public ServerConfig {
        if (masterKeyFile == null && dataDir != null) masterKeyFile = dataDir.resolve("master.key");
        if (github == null) github = GitHubWebhooks.OFF;
        if (statuses == null) statuses = Statuses.OFF;
        if (retention == null) retention = Retention.DEFAULT;
    }

    /** A runner not heard from for this long is offline: past the lease and the longest poll, with some slack. */
    public Duration offlineAfter() {
        return Duration.ofMillis(Math.max(leaseTimeout.toMillis(), longPollMax.toMillis()) + 5000);
    }

    public ServerConfig withGitHub(GitHubWebhooks g) {
        return toBuilder().github(g).build();
    }

    /** With these lease, heartbeat and long-poll times (tests shorten them). */
    public ServerConfig withTimes(Duration lease, Duration heartbeat, Duration longPoll) {
        return toBuilder()
                .leaseTimeout(lease)
                .heartbeatInterval(heartbeat)
                .longPollMax(longPoll)
                .build();
    }

    /** With these log and request body limits. */
    public ServerConfig withLimits(long logBytes, long bodyBytes) {
        return toBuilder().maxLogBytes(logBytes).maxBodyBytes(bodyBytes).build();
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

    /** The defaults, with data in {@code dataDir}. */
    public static ServerConfig defaults(Path dataDir) {
        return builder(dataDir).build();
    }

    public ServerConfig withPort(int p) {
        return toBuilder().port(p).build();
    }

    /** A config with every value at its default and data in {@code dataDir}; set what differs, then {@code build()}. */
    public static Builder builder(Path dataDir) {
        return new Builder().dataDir(dataDir);
    }

    /** A builder holding this config's values. A master key file at its default place follows a new data dir. */
    public Builder toBuilder() {
        Builder b = new Builder()
                .host(host)
                .port(port)
                .dataDir(dataDir)
                .database(databaseUrl, databaseUser, databasePassword)
                .leaseTimeout(leaseTimeout)
                .heartbeatInterval(heartbeatInterval)
                .longPollMax(longPollMax)
                .defaultJobTimeout(defaultJobTimeout)
                .defaultMaxAttempts(defaultMaxAttempts)
                .maxLogBytes(maxLogBytes)
                .maxBodyBytes(maxBodyBytes)
                .adminToken(adminToken)
                .github(github)
                .statuses(statuses)
                .retention(retention)
                .blobStore(blobStore);
        if (dataDir == null || !dataDir.resolve("master.key").equals(masterKeyFile)) b.masterKeyFile(masterKeyFile);
        return b;
    }

    /** Builds a {@link ServerConfig} by name; what is not set keeps its default (the {@code DEFAULT_*} constants). */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private Path dataDir;
        private String databaseUrl;
        private String databaseUser;
        private String databasePassword;
        private Duration leaseTimeout = DEFAULT_LEASE_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration longPollMax = DEFAULT_LONG_POLL_MAX;
        private Duration defaultJobTimeout = DEFAULT_JOB_TIMEOUT;
        private int defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS;
        private long maxLogBytes = DEFAULT_MAX_LOG_BYTES;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private String adminToken;
        private Path masterKeyFile;
        private GitHubWebhooks github = GitHubWebhooks.OFF;
        private Statuses statuses = Statuses.OFF;
        private Retention retention = Retention.DEFAULT;
        private dev.runway.server.blobs.S3BlobStore.Config blobStore;

        private Builder() {}

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        /** A JDBC URL (null: SQLite in the data dir) with its user and password (each may be null). */
        public Builder database(String url, String user, String password) {
            databaseUrl = url;
            databaseUser = user;
            databasePassword = password;
            return this;
        }

        public Builder databaseUrl(String v) {
            databaseUrl = v;
            return this;
        }

        public Builder leaseTimeout(Duration v) {
            leaseTimeout = v;
            return this;
        }

        public Builder heartbeatInterval(Duration v) {
            heartbeatInterval = v;
            return this;
        }

        public Builder longPollMax(Duration v) {
            longPollMax = v;
            return this;
        }

        public Builder defaultJobTimeout(Duration v) {
            defaultJobTimeout = v;
            return this;
        }

        public Builder defaultMaxAttempts(int v) {
            defaultMaxAttempts = v;
            return this;
        }

        public Builder maxLogBytes(long v) {
            maxLogBytes = v;
            return this;
        }

        public Builder maxBodyBytes(long v) {
            maxBodyBytes = v;
            return this;
        }

        public Builder adminToken(String v) {
            adminToken = v;
            return this;
        }

        /** Null: {@code <dataDir>/master.key}. */
        public Builder masterKeyFile(Path v) {
            masterKeyFile = v;
            return this;
        }

        public Builder github(GitHubWebhooks v) {
            github = v;
            return this;
        }

        public Builder statuses(Statuses v) {
            statuses = v;
            return this;
        }

        /** How long logs, artifacts, caches and finished jobs are kept ({@link Retention#DEFAULT} unless set). */
        public Builder retention(Retention v) {
            retention = v;
            return this;
        }

        /** The S3 bucket for artifacts and caches; null (the default) keeps them in the data dir. */
        public Builder blobStore(dev.runway.server.blobs.S3BlobStore.Config v) {
            blobStore = v;
            return this;
        }

        public ServerConfig build() {
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
                    github,
                    statuses,
                    retention,
                    blobStore);
        }
    }
}
