package dev.runway.cli;

import dev.runway.agent.AgentConfig;
import dev.runway.agent.RunwayAgent;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Start a control plane (embedded SQLite) and one local runner in this process, print the URL and the",
            "admin token, and run an example job so you see output at once. Ctrl-C stops both."
        })
final class UpCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    LogOptions logging;

    @Option(names = "--data-dir", defaultValue = ".runway", description = "Data directory (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--port",
            defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(
            names = "--slots",
            defaultValue = "2",
            description = "Jobs the local runner runs at once (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(
            names = "--labels",
            split = ",",
            paramLabel = "LABEL",
            description = "The local runner's labels (default: the OS and architecture, local, self-hosted and, on"
                    + " Linux, GitHub's hosted labels ubuntu-latest, ubuntu-24.04 and ubuntu-22.04, so workflows that"
                    + " say `runs-on: ubuntu-latest` run here).")
    List<String> labels;

    @Option(names = "--no-example", description = "Do not run the example job.")
    boolean noExample;

    @Option(names = "--exit-after-example", description = "Stop after the example job; exit 0 only if it succeeded.")
    boolean exitAfterExample;

    /** Held for as long as this process runs (a collected channel would release it). */
    private java.io.Closeable dataDirLock;

    @Override
    public Integer call() throws Exception {
        dataDirLock = LocalRunner.lockDataDir(dataDir, "runway up");
        RunwayServer server;
        try {
            server = RunwayServer.start(ServerConfig.defaults(dataDir).withPort(port));
        } catch (RuntimeException e) {
            throw new CliException("cannot start the control plane: " + ServerCommand.rootMessage(e)
                    + (port != 0 ? " (is port " + port + " in use? try --port 0)" : ""));
        }
        ApiClient api = new ApiClient(server.url(), server.adminToken());
        // a second terminal's CLI finds this server on any port (ClientOptions reads it)
        java.nio.file.Files.writeString(dataDir.resolve("server.url"), server.url() + "\n");
        List<String> runnerLabels = labels == null || labels.isEmpty() ? localLabels() : labels;
        AgentConfig agentConfig = LocalRunner.config(
                server, api, dataDir, "local", runnerLabels, slots, Duration.ofSeconds(10), Map.of());
        RunwayAgent agent = new RunwayAgent(agentConfig);
        Thread agentThread = Thread.ofPlatform().name("runway-agent").start(agent::run);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.shutdown();
                            server.close();
                            stopped.countDown();
                        },
                        "runway-up-shutdown"));

        System.out.println("Runway is up.");
        System.out.println("  control plane  " + server.url());
        System.out.println(
                "  dashboard      " + server.url() + "/   (sign in with the admin token, or a viewer token)");
        System.out.println("  metrics        " + server.url() + "/metrics   (Prometheus; needs a token too)");
        System.out.println(
                "  admin token    " + server.adminToken() + "   (also in " + dataDir.resolve("admin-token") + ")");
        System.out.println(
                "  runner         local, labels " + String.join(",", runnerLabels) + ", " + slots + " slot(s)");
        if (runnerLabels.contains("ubuntu-latest"))
            System.out.println("                 (GitHub's hosted labels too: `runs-on: ubuntu-latest` runs here;"
                    + " --labels to change)");
        System.out.println();
        System.out.println("  another terminal here finds it (" + dataDir.resolve("server.url")
                + "): bin/runway jobs    bin/runway runners    bin/runway submit job.yaml --follow");
        System.out.println("  elsewhere: export RUNWAY_URL=" + server.url() + " RUNWAY_TOKEN=$(cat "
                + dataDir.toAbsolutePath().resolve("admin-token") + ")");
        System.out.println();
        System.out.flush();

        int code = 0;
        if (!noExample) {
            JobView job = api.post(ApiPaths.JOBS, exampleJob(), JobView.class);
            System.out.println("example job " + job.id() + ":");
            LogsCommand.follow(api, job.id(), System.out);
            JobView done = api.get(ApiPaths.withId(ApiPaths.JOB, job.id()), JobView.class);
            System.out.println("example job " + done.state().wireName() + " in " + Format.duration(done.durationMs())
                    + " (queue wait " + Format.duration(done.queueWaitMs()) + ")");
            code = done.state() == JobState.SUCCEEDED ? 0 : 1;
        }
        if (exitAfterExample || noExample && exitAfterExample) {
            agent.shutdown();
            agentThread.join(TimeUnit.SECONDS.toMillis(15));
            server.close();
            return code;
        }
        System.out.println("Press Ctrl-C to stop.");
        stopped.await();
        return 0;
    }

    /** GitHub's hosted-runner labels for Linux that nearly every workflow's {@code runs-on} says. */
    static final List<String> GITHUB_HOSTED_LINUX = List.of("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04");

    static List<String> localLabels() {
        List<String> l = new ArrayList<>();
        l.add(System.getProperty("os.name").toLowerCase(Locale.ROOT).replace(' ', '-'));
        String arch = System.getProperty("os.arch");
        l.add(
                switch (arch) {
                    case "amd64", "x86_64" -> "x64";
                    case "aarch64" -> "arm64";
                    default -> arch;
                });
        l.add("local");
        l.add("self-hosted");
        if (l.getFirst().equals("linux")) l.addAll(GITHUB_HOSTED_LINUX);
        return l;
    }

    static JobSpec exampleJob() {
        return new JobSpec(
                "hello-runway",
                List.of("local"),
                Map.of("GREETING", "Hello from Runway"),
                List.of(
                        StepSpec.of(
                                "say hello",
                                "echo \"$GREETING\"; echo \"running as $(id -un) on $(uname -sm) in $PWD\""),
                        StepSpec.of("count", "for i in 1 2 3; do echo \"step output line $i\"; sleep 0.2; done"),
                        new StepSpec(
                                "write and read a file",
                                "echo 'workspace files are private to this job' > note.txt\ncat note.txt",
                                Map.of(),
                                null,
                                30,
                                null)),
                300,
                1);
    }
}
