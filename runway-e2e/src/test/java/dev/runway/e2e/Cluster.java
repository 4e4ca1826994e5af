package dev.runway.e2e;

import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A control plane and its agents, each a separate JVM process, in one temporary directory. Tests use it as
 * a user would: through the HTTP API and the CLI.
 */
final class Cluster implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(30);

    private final Path root;
    private final Path logDir;
    private final int port;
    private final List<String> serverArgs;
    private final List<RunwayProcess> processes = new ArrayList<>();
    private RunwayProcess server;
    private Api api;
    private String logFormat; // --log-format of server and agents (null: the default), stderr kept apart
    private Map<String, String> serverEnv = Map.of();

    Cluster(Path root, String... serverArgs) {
        this.root = root;
        this.logDir = root.resolve("process-logs");
        this.port = RunwayProcess.freePort();
        this.serverArgs = List.of(serverArgs);
    }

    Cluster start() {
        startServer();
        return this;
    }

    /** The control plane's environment from its next start on (credentials of a blob store, say). */
    Cluster serverEnv(Map<String, String> env) {
        this.serverEnv = Map.copyOf(env);
        return this;
    }

    /** Server and agents started from now on log in {@code format}, to a stderr file of their own. */
    Cluster logFormat(String format) {
        this.logFormat = format;
        return this;
    }

    private RunwayProcess startProcess(String label, Map<String, String> env, List<String> args) {
        if (logFormat == null) return RunwayProcess.start(logDir, label, env, args);
        List<String> withFormat = new ArrayList<>(args);
        withFormat.addAll(1, List.of("--log-format", logFormat));
        return RunwayProcess.start(logDir, label, env, withFormat, null, null, true);
    }

    /** Starts (or restarts, on the same port and data directory) the control plane. */
    void startServer() {
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--data-dir",
                dataDir().toString()));
        args.addAll(serverArgs);
        server = track(startProcess("server", serverEnv, args));
        server.awaitOutput("listening on", START);
        api = new Api(url(), adminToken());
    }

    RunwayProcess server() {
        return server;
    }

    Path dataDir() {
        return root.resolve("data");
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    String adminToken() {
        try {
            return Files.readString(dataDir().resolve("admin-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Api api() {
        return api;
    }

    Path workDir(String agentName) {
        return root.resolve("agents").resolve(agentName).resolve("work");
    }

    /** The agent's own folder in its work dir, where its job workspaces are (the rest of the work dir is not its). */
    Path workspaces(String agentName) {
        return workDir(agentName).resolve("runway");
    }

    /** Starts an agent process with its own work dir and credential file; waits until it is registered. */
    RunwayProcess startAgent(String name, String labels, String... extraArgs) {
        return startAgentVia(url(), name, labels, extraArgs);
    }

    /** As {@link #startAgent}, reaching the control plane at {@code url} (a proxy in front of it). */
    RunwayProcess startAgentVia(String url, String name, String labels, String... extraArgs) {
        Path home = root.resolve("agents").resolve(name);
        List<String> args = new ArrayList<>(List.of(
                "agent",
                "--url",
                url,
                "--name",
                name,
                "--labels",
                labels,
                "--work-dir",
                home.resolve("work").toString(),
                "--credential-file",
                home.resolve("credential.json").toString()));
        // its own action store: the default (.runway/actions under the build's working directory) is shared by every
        // test of the build, so one test's store changed what another's agent found
        if (!List.of(extraArgs).contains("--actions-dir"))
            args.addAll(List.of("--actions-dir", home.resolve("actions").toString()));
        args.addAll(List.of(extraArgs));
        Map<String, String> env = Files.exists(home.resolve("credential.json"))
                ? Map.of()
                : Map.of("RUNWAY_REGISTRATION_TOKEN", api.registrationToken(1));
        RunwayProcess agent = track(startProcess("agent-" + name, env, args));
        await("agent " + name + " registered")
                .atMost(START)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!agent.isAlive()) throw new AssertionError("agent exited:\n" + agent.output() + agent.stderr());
                    return api.runners().runners().stream()
                            .anyMatch(r -> r.name().equals(name));
                });
        return agent;
    }

    /** Starts a fleet scaler process with this pools file; waits until it runs. */
    RunwayProcess startScaler(Path poolsFile) {
        Map<String, String> env = Map.of("RUNWAY_TOKEN", adminToken());
        RunwayProcess scaler = track(RunwayProcess.start(
                logDir, "scaler", env, List.of("scaler", "--pools", poolsFile.toString(), "--url", url())));
        scaler.awaitOutput("pool(s) on", START);
        return scaler;
    }

    /** Runs the CLI as its own process against this control plane. */
    RunwayProcess cli(String... args) {
        Map<String, String> env = Map.of("RUNWAY_URL", url(), "RUNWAY_TOKEN", adminToken());
        return track(RunwayProcess.start(logDir, "cli", env, List.of(args)));
    }

    /** Runs the CLI with {@code stdin} as its standard input. */
    RunwayProcess cliWithInput(Path stdin, String... args) {
        Map<String, String> env = Map.of("RUNWAY_URL", url(), "RUNWAY_TOKEN", adminToken());
        return track(RunwayProcess.start(logDir, "cli", env, List.of(args), null, stdin));
    }

    JobView awaitState(String jobId, JobState state, Duration timeout) {
        await("job " + jobId + " reaches " + state)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    JobView j = api.job(jobId);
                    if (j.state().isTerminal() && j.state() != state) {
                        throw new AssertionError("job ended " + j.state() + " (" + j.reason() + ") instead of " + state
                                + "; log:\n" + api.logs(jobId) + "\nserver:\n" + server.output());
                    }
                    return j.state() == state;
                });
        return api.job(jobId);
    }

    private RunwayProcess track(RunwayProcess p) {
        processes.add(p);
        return p;
    }

    /** Everything the processes printed, for failure messages. */
    String outputs() {
        StringBuilder sb = new StringBuilder();
        for (RunwayProcess p : processes) {
            sb.append("==== ").append(p.label()).append('\n').append(p.output()).append('\n');
            if (!p.stderr().equals(p.output()))
                sb.append("---- stderr\n").append(p.stderr()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (RunwayProcess p : processes) p.close();
    }
}
