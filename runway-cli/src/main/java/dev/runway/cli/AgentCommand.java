package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.RunwayAgent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a runner agent: register once, then take jobs whose labels it has.",
            "SIGTERM: take no new jobs, let running ones finish within --shutdown-grace, cancel the rest, exit 0.",
            "Options also come from RUNWAY_<OPTION> environment variables or --config FILE (YAML)."
        })
final class AgentCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    LogOptions logging;

    @Option(names = "--config", description = "YAML config file (env RUNWAY_CONFIG).")
    Path config;

    @Option(
            names = "--url",
            defaultValue = "http://127.0.0.1:8420",
            description = "Control plane URL (default ${DEFAULT-VALUE}); several, comma-separated, are tried in turn"
                    + " and the agent sticks to one that answers.")
    String url;

    @Option(
            names = {"--token", "--registration-token"},
            description =
                    "Registration token from `runway token create --registration` (env RUNWAY_REGISTRATION_TOKEN); only needed the first time.")
    String token;

    @Option(
            names = "--labels",
            defaultValue = "",
            description = "Comma-separated labels this runner offers, e.g. linux,x64,gpu.")
    String labels;

    @Option(names = "--name", description = "Runner name (default: the host name).")
    String name;

    @Option(
            names = "--data-dir",
            defaultValue = ".runway",
            description = "Base of the default work dir and credential file (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--work-dir", description = "Where job workspaces are created (default <data-dir>/work).")
    Path workDir;

    @Option(
            names = "--credential-file",
            description = "Where the runner credential is kept, mode 0600 (default <data-dir>/runner-credential.json).")
    Path credentialFile;

    @Option(
            names = "--tool-cache",
            description = "The runner's tool cache (RUNNER_TOOL_CACHE) that setup-java, setup-node, setup-go and"
                    + " setup-python pick from; filled on first start from /usr/lib/jvm and PATH (default"
                    + " <data-dir>/tool-cache; `runway tools add` adds more).")
    Path toolCache;

    @Option(names = "--slots", defaultValue = "1", description = "Jobs run at once (default ${DEFAULT-VALUE}).")
    int slots;

    @picocli.CommandLine.Mixin
    IsolationOptions isolation = new IsolationOptions();

    @Option(names = "--ephemeral", description = "Run exactly one job, then deregister and exit.")
    boolean ephemeral;

    @Option(
            names = "--shutdown-grace",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "On SIGTERM, how long running jobs may finish (default ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(
            names = "--poll-wait",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "Longest a poll is held by the server (default ${DEFAULT-VALUE}).")
    Duration pollWait;

    @picocli.CommandLine.Mixin
    ActionOptions actions = new ActionOptions();

    @Option(
            names = "--hooks-dir",
            description = "Run the executable files environment, pre-command, post-command and pre-exit of this"
                    + " directory around every job, on this host as the agent's user, outside the job's isolation"
                    + " (docs/agent.md, Job hooks).")
    Path hooksDir;

    @Option(
            names = "--metrics-port",
            description = "Serve this agent's Prometheus metrics on http://<metrics-host>:PORT/metrics (off by"
                    + " default; docs/metrics.md lists them).")
    Integer metricsPort;

    @Option(
            names = "--metrics-host",
            defaultValue = "0.0.0.0",
            description = "Address the metrics port binds (default ${DEFAULT-VALUE}).")
    String metricsHost;

    @Override
    public Integer call() {
        AgentConfig cfg = toConfig();
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535))
            throw new CliException("--metrics-port: must be between 0 and 65535, got " + metricsPort);
        RunwayAgent agent = new RunwayAgent(cfg, urls());
        if (metricsPort != null) {
            try {
                var server = agent.metrics().serve(metricsHost, metricsPort);
                System.err.println("agent metrics on http://" + metricsHost + ":" + server.getPort() + "/metrics");
            } catch (java.io.IOException e) {
                throw new CliException(
                        "--metrics-port: cannot listen on " + metricsHost + ":" + metricsPort + ": " + e.getMessage());
            }
        }
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // the agent stopped by itself (refused, deleted): System.exit carries its exit code
                            if (returned.get()) return;
                            agent.shutdown();
                            try {
                                agent.awaitStopped(cfg.shutdownGrace().toSeconds() + 15, TimeUnit.SECONDS);
                            } catch (InterruptedException ignored) {
                                Thread.currentThread().interrupt();
                            }
                            Runtime.getRuntime().halt(0); // a graceful stop is a success, not "killed by SIGTERM"
                        },
                        "runway-agent-shutdown"));
        int code = agent.run();
        returned.set(true);
        return code;
    }

    /** The control planes of {@code --url}, in order. */
    List<URI> urls() {
        List<String> given = Arrays.stream(url.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        if (given.isEmpty()) throw new CliException("--url: no control plane URL given");
        return given.stream().map(AgentCommand::httpUrl).distinct().toList();
    }

    private static URI httpUrl(String text) {
        try {
            URI u = URI.create(text);
            if (u.getScheme() == null
                    || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) throw new IllegalArgumentException("not http(s)");
            return u;
        } catch (IllegalArgumentException e) {
            throw new CliException("--url: '" + text + "' is not an http(s) URL");
        }
    }

    AgentConfig toConfig() {
        if (slots < 1 || slots > 1000) throw new CliException("--slots: must be between 1 and 1000");
        URI u = urls().get(0);
        isolation.check();
        List<String> l = Arrays.stream(labels.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        return new AgentConfig(
                        u,
                        ServerCommand.blankToNull(token),
                        ServerCommand.blankToNull(name),
                        l,
                        workDir != null ? workDir : dataDir.resolve("work"),
                        credentialFile != null ? credentialFile : dataDir.resolve("runner-credential.json"),
                        slots,
                        ephemeral,
                        shutdownGrace,
                        pollWait)
                .with(
                        isolation.executor,
                        !isolation.noNetwork,
                        isolation.limits(),
                        isolation.engine,
                        isolation.image,
                        isolation.minFree())
                .withSandbox(isolation.sandbox())
                .withToolCache(toolCache != null ? toolCache : dataDir.resolve("tool-cache"))
                .withActions(actions.settings(dataDir.resolve("actions")))
                .withHooks(hooks());
    }

    private dev.runway.agent.steps.JobHooks hooks() {
        try {
            return dev.runway.agent.steps.JobHooks.load(hooksDir);
        } catch (IllegalArgumentException e) {
            throw new CliException("--hooks-dir: " + e.getMessage());
        }
    }
}
