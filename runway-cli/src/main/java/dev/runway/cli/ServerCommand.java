package dev.runway.cli;

import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run the control plane: HTTP API, job queue, dispatch, logs.",
            "Every option can also come from the environment (RUNWAY_<OPTION>, e.g. RUNWAY_PORT) or from --config FILE (YAML, e.g. 'port: 8420'); flags win, then environment, then file."
        })
final class ServerCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    LogOptions logging;

    @Option(names = "--config", description = "YAML config file (env RUNWAY_CONFIG).")
    Path config;

    @Option(
            names = "--host",
            defaultValue = ServerConfig.DEFAULT_HOST,
            description = "Address to bind (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(
            names = "--port",
            defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(
            names = "--data-dir",
            defaultValue = ".runway",
            description = "Data directory: SQLite database, admin token (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--database-url",
            description = "JDBC URL; default SQLite in the data directory. e.g. jdbc:postgresql://db/runway")
    String databaseUrl;

    @Option(names = "--database-user", description = "Database user (PostgreSQL).")
    String databaseUser;

    @Option(names = "--database-password", description = "Database password (prefer the env RUNWAY_DATABASE_PASSWORD).")
    String databasePassword;

    @Option(
            names = "--blob-store",
            paramLabel = "s3://BUCKET[/PREFIX]",
            description = "Keep artifacts and caches in this S3 bucket (AWS S3 or S3-compatible: MinIO, Ceph,"
                    + " Garage), shared by every replica on one database; credentials from the AWS environment"
                    + " (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role). Default: the data"
                    + " directory.")
    String blobStore;

    @Option(
            names = "--blob-store-endpoint",
            description = "The S3 API's URL of an S3-compatible store (e.g. http://minio:9000); default AWS's.")
    java.net.URI blobStoreEndpoint;

    @Option(
            names = "--blob-store-region",
            defaultValue = "us-east-1",
            description = "The bucket's region (default ${DEFAULT-VALUE}).")
    String blobStoreRegion;

    @Option(
            names = "--blob-store-path-style",
            arity = "1",
            paramLabel = "true|false",
            description = "Bucket in the URL's path rather than its host name; default true with"
                    + " --blob-store-endpoint, false without.")
    Boolean blobStorePathStyle;

    @Option(
            names = "--lease-timeout",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "A running job without heartbeat for this long is lost (default ${DEFAULT-VALUE}).")
    Duration leaseTimeout;

    @Option(
            names = "--heartbeat-interval",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How often runners heartbeat (default ${DEFAULT-VALUE}).")
    Duration heartbeatInterval;

    @Option(
            names = "--long-poll-max",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "Longest a runner poll is held (default ${DEFAULT-VALUE}).")
    Duration longPollMax;

    @Option(
            names = "--job-timeout",
            defaultValue = "6h",
            converter = DurationConverter.class,
            description = "Job timeout when a job sets none (default ${DEFAULT-VALUE}).")
    Duration jobTimeout;

    @Option(
            names = "--retain-logs",
            defaultValue = "90d",
            converter = RetentionConverter.class,
            description = "How long a finished job's log is kept; 0 keeps logs forever (default ${DEFAULT-VALUE}).")
    Duration retainLogs;

    @Option(
            names = "--retain-artifacts",
            defaultValue = "90d",
            converter = RetentionConverter.class,
            description =
                    "How long an artifact is kept after its upload; 0 keeps artifacts (default ${DEFAULT-VALUE}).")
    Duration retainArtifacts;

    @Option(
            names = "--retain-caches",
            defaultValue = "7d",
            converter = RetentionConverter.class,
            description = "How long a cache entry is kept unused; 0 keeps entries (default ${DEFAULT-VALUE}).")
    Duration retainCaches;

    @Option(
            names = "--retain-jobs",
            defaultValue = "400d",
            converter = RetentionConverter.class,
            description = "How long finished runs and jobs are kept, with all they hold; 0 keeps them (default"
                    + " ${DEFAULT-VALUE}).")
    Duration retainJobs;

    @Option(
            names = "--max-attempts",
            defaultValue = "" + ServerConfig.DEFAULT_MAX_ATTEMPTS,
            description = "Attempts per job when runners are lost (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(
            names = "--max-log-size",
            defaultValue = "100MiB",
            converter = Sizes.class,
            description = "Per-job log limit (default ${DEFAULT-VALUE}).")
    long maxLogSize;

    @Option(
            names = "--max-body-size",
            defaultValue = "8MiB",
            converter = Sizes.class,
            description = "Largest request body (default ${DEFAULT-VALUE}).")
    long maxBodySize;

    @Option(
            names = "--admin-token",
            description = "Bootstrap admin API token (rwa_...); default: generated once into <data-dir>/admin-token.")
    String adminToken;

    @Option(
            names = "--master-key-file",
            description = "The key that encrypts secrets at rest (created with mode 0600 on first start; replicas"
                    + " on one database must share it). Default <data-dir>/master.key.")
    Path masterKeyFile;

    @Option(
            names = "--github-webhook-secret-file",
            description = "Turns on POST /webhooks/github: the file holds the webhook's secret (deliveries are verified"
                    + " with it, X-Hub-Signature-256).")
    Path githubWebhookSecretFile;

    @Option(
            names = "--github-repo",
            paramLabel = "OWNER/NAME=GIT-URL",
            description = "A repository whose pushes start its workflows, and where to fetch it (a git URL or path;"
                    + " a mirror on air-gapped sites); also where reusable workflows it holds are read from"
                    + " (uses: OWNER/NAME/.github/workflows/x.yml@ref). Repeatable.")
    java.util.Map<String, String> githubRepos = new java.util.LinkedHashMap<>();

    @Option(
            names = "--status-token-file",
            description = "Turns on commit statuses: each workflow job's progress is posted to the forge as a commit"
                    + " status on the run's commit (pending, then success, failure or error), so pull requests can be"
                    + " gated on Runway. The file holds the forge token (GitHub: a token with repo:status or"
                    + " statuses: write; Gitea/Forgejo: an access token).")
    Path statusTokenFile;

    @Option(
            names = "--status-api",
            defaultValue = "https://api.github.com",
            description = "The forge's API: https://api.github.com (default), https://HOST/api/v3 for GitHub"
                    + " Enterprise Server, https://HOST/api/v1 for Gitea or Forgejo.")
    java.net.URI statusApi;

    @Option(
            names = "--status-api-kind",
            defaultValue = "github",
            description = "github (Bearer token) or gitea (Gitea and Forgejo: token authorization). Default"
                    + " ${DEFAULT-VALUE}.")
    String statusApiKind;

    @Option(
            names = "--status-repo",
            paramLabel = "OWNER/NAME",
            description = "A repository whose runs get commit statuses (as github.repository names it). Repeatable;"
                    + " default: the --github-repo repositories.")
    java.util.List<String> statusRepos = new java.util.ArrayList<>();

    @Option(
            names = "--public-url",
            description = "The address users reach the dashboard at (https://ci.example.com): commit statuses link"
                    + " to the job there. Default: no link.")
    String publicUrl;

    @Override
    public Integer call() throws Exception {
        ServerConfig cfg = toConfig();
        RunwayServer server;
        try {
            server = RunwayServer.start(cfg);
        } catch (RuntimeException e) {
            throw new CliException("cannot start the control plane: " + rootMessage(e));
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            done.countDown();
                        },
                        "runway-shutdown"));
        Files.writeString(dataDir.resolve("server.url"), server.url() + "\n");
        System.out.println("runway server listening on " + server.url());
        System.out.flush();
        done.await();
        return 0;
    }

    ServerConfig toConfig() {
        if (port < 0 || port > 65535) throw new CliException("--port: must be between 0 and 65535");
        if (maxAttempts < 1) throw new CliException("--max-attempts: must be at least 1");
        if (heartbeatInterval.compareTo(leaseTimeout) >= 0) {
            throw new CliException("--heartbeat-interval (" + heartbeatInterval.toSeconds()
                    + "s) must be shorter than --lease-timeout (" + leaseTimeout.toSeconds() + "s)");
        }
        return ServerConfig.builder(dataDir)
                .host(host)
                .port(port)
                .database(blankToNull(databaseUrl), databaseUser, databasePassword)
                .leaseTimeout(leaseTimeout)
                .heartbeatInterval(heartbeatInterval)
                .longPollMax(longPollMax)
                .defaultJobTimeout(jobTimeout)
                .defaultMaxAttempts(maxAttempts)
                .maxLogBytes(maxLogSize)
                .maxBodyBytes(maxBodySize)
                .adminToken(blankToNull(adminToken))
                .masterKeyFile(masterKeyFile)
                .github(github())
                .statuses(statuses())
                .retention(new ServerConfig.Retention(retainLogs, retainArtifacts, retainCaches, retainJobs))
                .blobStore(blobStore())
                .build();
    }

    private dev.runway.server.blobs.S3BlobStore.Config blobStore() {
        if (blobStore == null || blobStore.isBlank()) {
            if (blobStoreEndpoint != null)
                throw new CliException("--blob-store-endpoint needs --blob-store s3://BUCKET");
            return null;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("s3://([^/]+)(?:/(.*))?").matcher(blobStore.strip());
        if (!m.matches())
            throw new CliException("--blob-store: '" + blobStore + "' is not s3://BUCKET or s3://BUCKET/PREFIX");
        try {
            return new dev.runway.server.blobs.S3BlobStore.Config(
                    m.group(1),
                    m.group(2),
                    blobStoreEndpoint,
                    blobStoreRegion,
                    blobStorePathStyle != null ? blobStorePathStyle : blobStoreEndpoint != null);
        } catch (IllegalArgumentException e) {
            throw new CliException("--blob-store: " + e.getMessage());
        }
    }

    private ServerConfig.Statuses statuses() {
        if (statusTokenFile == null) {
            if (!statusRepos.isEmpty()) throw new CliException("--status-repo needs --status-token-file");
            return ServerConfig.Statuses.OFF;
        }
        String token;
        try {
            token = Files.readString(statusTokenFile).strip();
        } catch (java.io.IOException e) {
            throw new CliException("--status-token-file: cannot read " + statusTokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty() || token.contains("\n"))
            throw new CliException("--status-token-file: " + statusTokenFile + " must hold one token on one line");
        dev.runway.server.forge.StatusApi.Flavour flavour = switch (statusApiKind
                .strip()
                .toLowerCase(java.util.Locale.ROOT)) {
            case "github" -> dev.runway.server.forge.StatusApi.Flavour.GITHUB;
            case "gitea", "forgejo" -> dev.runway.server.forge.StatusApi.Flavour.GITEA;
            default -> throw new CliException("--status-api-kind: '" + statusApiKind + "' is not one of github, gitea");
        };
        if (statusApi.getScheme() == null
                || !(statusApi.getScheme().equals("https")
                        || statusApi.getScheme().equals("http"))
                || statusApi.getHost() == null)
            throw new CliException("--status-api: '" + statusApi + "' is not an http(s) URL");
        java.util.Set<String> repos = new java.util.LinkedHashSet<>(statusRepos);
        if (repos.isEmpty()) repos.addAll(githubRepos.keySet());
        if (repos.isEmpty())
            throw new CliException("--status-token-file needs the repositories to report for: --status-repo OWNER/NAME"
                    + " (or --github-repo)");
        for (String repo : repos)
            if (!repo.matches("[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_.-]+"))
                throw new CliException("--status-repo: '" + repo + "' is not owner/name");
        if (publicUrl != null && !publicUrl.matches("https?://.+"))
            throw new CliException("--public-url: '" + publicUrl + "' is not an http(s) URL");
        return new ServerConfig.Statuses(statusApi, flavour, token, repos, publicUrl);
    }

    private ServerConfig.GitHubWebhooks github() {
        if (githubWebhookSecretFile == null) {
            if (!githubRepos.isEmpty())
                throw new CliException("--github-repo needs --github-webhook-secret-file (webhooks are verified)");
            return ServerConfig.GitHubWebhooks.OFF;
        }
        String secret;
        try {
            secret = Files.readString(githubWebhookSecretFile).strip();
        } catch (java.io.IOException e) {
            throw new CliException(
                    "--github-webhook-secret-file: cannot read " + githubWebhookSecretFile + ": " + e.getMessage());
        }
        if (secret.length() < 16)
            throw new CliException("--github-webhook-secret-file: the secret is shorter than 16 characters; use a"
                    + " long random one (e.g. openssl rand -hex 32)");
        for (String repo : githubRepos.keySet()) {
            if (!repo.matches("[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_.-]+"))
                throw new CliException("--github-repo: '" + repo + "' is not owner/name");
        }
        return new ServerConfig.GitHubWebhooks(secret, githubRepos);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    static void ignore(IOException e) {}
}
