package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
        try {
            ConfigDefaults defaults;
            try {
                defaults = new ConfigDefaults(env, Main.configPath(args, env));
            } catch (ConfigDefaults.ConfigError e) {
                return new Run(2, "", "runway: " + e.getMessage());
            }
            CommandLine cl = Main.commandLine(defaults);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out + sysOut.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "server",
                "agent",
                "up",
                "submit",
                "logs",
                "jobs",
                "jobs show",
                "jobs cancel",
                "runners",
                "runners rm",
                "status",
                "token",
                "token create",
                "token ls",
                "validate",
                "vars",
                "vars set",
                "vars ls",
                "vars rm",
                "runs rerun",
                "completion"
            })
    void everyCommandHasHelp(String command) {
        String[] args = (command + " --help").split(" ");
        Run r = run(Map.of(), args);
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: runway " + command);
    }

    ServerCommand parseServer(Map<String, String> env, String... args) {
        ConfigDefaults d = new ConfigDefaults(env, Main.configPath(args, env));
        CommandLine cl = Main.commandLine(d);
        CommandLine.ParseResult pr = cl.parseArgs(args);
        return (ServerCommand) pr.subcommand().commandSpec().userObject();
    }

    AgentCommand parseAgent(Map<String, String> env, String... args) {
        CommandLine cl = Main.commandLine(new ConfigDefaults(env, Main.configPath(args, env)));
        return (AgentCommand) cl.parseArgs(args).subcommand().commandSpec().userObject();
    }

    /** The completion script is real bash: sourced, it completes subcommands and a subcommand's options. */
    @Test
    void theCompletionScriptCompletesCommandsAndOptionsInBash() throws Exception {
        Run r = run(Map.of(), "completion");
        assertThat(r.code()).isZero();
        Path script = java.nio.file.Files.writeString(dir.resolve("runway-completion.bash"), r.out());
        String probe = "source " + script + "\n"
                + "COMP_WORDS=(runway ru); COMP_CWORD=1; COMP_LINE='runway ru'; COMP_POINT=${#COMP_LINE};"
                + " _complete_runway 2>/dev/null; echo \"top: ${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(runway runs rerun --fa); COMP_CWORD=3; COMP_LINE='runway runs rerun --fa';"
                + " COMP_POINT=${#COMP_LINE}; _complete_runway 2>/dev/null; echo \"rerun: ${COMPREPLY[*]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", probe)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("top: ").containsPattern("top: .*\\brun\\b").containsPattern("top: .*\\bruns\\b");
        assertThat(out).contains("rerun: --failed");
    }

    @Test
    void commitStatusesNeedAReadableTokenARepositoryAndAKnownKind() throws Exception {
        Path token = java.nio.file.Files.writeString(dir.resolve("status-token"), "ghp_x\n");
        var on = parseServer(
                        Map.of("RUNWAY_STATUS_API_KIND", "gitea"),
                        "server",
                        "--data-dir",
                        dir.toString(),
                        "--status-token-file",
                        token.toString(),
                        "--status-api",
                        "https://git.example.com/api/v1",
                        "--status-repo",
                        "team/app",
                        "--public-url",
                        "https://ci.example.com")
                .toConfig()
                .statuses();
        assertThat(on.on()).isTrue();
        assertThat(on.token()).isEqualTo("ghp_x");
        assertThat(on.flavour()).isEqualTo(dev.runway.server.forge.StatusApi.Flavour.GITEA);
        assertThat(on.repositories()).containsExactly("team/app");
        assertThat(parseServer(Map.of(), "server").toConfig().statuses().on()).isFalse();
        assertThatThrownBy(() -> parseServer(Map.of(), "server", "--status-token-file", token.toString())
                        .toConfig())
                .hasMessageContaining("--status-repo OWNER/NAME");
        assertThatThrownBy(() -> parseServer(
                                Map.of(),
                                "server",
                                "--status-token-file",
                                token.toString(),
                                "--status-repo",
                                "app",
                                "--status-api-kind",
                                "github")
                        .toConfig())
                .hasMessageContaining("'app' is not owner/name");
        assertThatThrownBy(() -> parseServer(
                                Map.of(),
                                "server",
                                "--status-token-file",
                                token.toString(),
                                "--status-repo",
                                "a/b",
                                "--status-api-kind",
                                "gitlab")
                        .toConfig())
                .hasMessageContaining("'gitlab' is not one of github, gitea");
        assertThatThrownBy(() -> parseServer(
                                Map.of(),
                                "server",
                                "--status-token-file",
                                dir.resolve("missing").toString())
                        .toConfig())
                .hasMessageContaining("cannot read");
        assertThatThrownBy(() ->
                        parseServer(Map.of(), "server", "--status-repo", "a/b").toConfig())
                .hasMessageContaining("--status-repo needs --status-token-file");
    }

    @Test
    void actionSourcesComeFromFlagsOrTheEnvironment() {
        var fromEnv = parseAgent(
                        Map.of("RUNWAY_ACTIONS_GIT_BASE", "https://git.example.com/github, file:///srv/git"),
                        "agent",
                        "--data-dir",
                        dir.toString())
                .toConfig();
        assertThat(fromEnv.actionsGitBases()).containsExactly("https://git.example.com/github", "file:///srv/git");
        assertThat(fromEnv.actionsDir()).isEqualTo(dir.resolve("actions").toAbsolutePath());

        var fromFlags = parseAgent(
                        Map.of(),
                        "agent",
                        "--actions-git-base",
                        "https://a",
                        "--actions-git-base",
                        "https://b,https://c",
                        "--actions-dir",
                        dir.resolve("store").toString())
                .toConfig();
        assertThat(fromFlags.actionsGitBases()).containsExactly("https://a", "https://b", "https://c");
        assertThat(fromFlags.actionsDir()).isEqualTo(dir.resolve("store").toAbsolutePath());
        assertThat(parseAgent(Map.of(), "agent").toConfig().actionsGitBases()).isEmpty();
    }

    @Test
    void sandboxFlagsReachTheConfigAndEngineAccessSaysItIsRoot() {
        assertThat(parseAgent(Map.of(), "agent").toConfig().sandbox())
                .isEqualTo(dev.runway.agent.isolation.SandboxOptions.DEFAULT);
        assertThat(dev.runway.agent.isolation.SandboxOptions.DEFAULT.engineAccess())
                .isFalse();
        assertThatThrownBy(() ->
                        parseAgent(Map.of(), "agent", "--sandbox-engine-access").toConfig())
                .hasMessageContaining("--sandbox-engine-access and --sandbox-read need --executor sandbox");
        assertThatThrownBy(() ->
                        parseAgent(Map.of(), "agent", "--sandbox-uid", "0").toConfig())
                .hasMessageContaining("--sandbox-uid: must be a positive uid (never 0, root)");
        Run help = run(Map.of(), "agent", "--help");
        assertThat(help.out().replaceAll("\\s+", " "))
                .contains("--sandbox-engine-access")
                .contains("GIVES EVERY JOB ON THIS RUNNER ROOT ON THE HOST");
        boolean bwrap = java.nio.file.Files.isExecutable(Path.of("/usr/bin/bwrap"));
        org.junit.jupiter.api.Assumptions.assumeTrue(bwrap || "true".equals(System.getenv("CI")));
        var c = parseAgent(
                        Map.of("RUNWAY_SANDBOX_UID", "4242"),
                        "agent",
                        "--executor",
                        "sandbox",
                        "--sandbox-engine-access",
                        "--sandbox-read",
                        "/opt/jdk,/srv/tools")
                .toConfig();
        assertThat(c.sandbox().uid()).isEqualTo(4242);
        assertThat(c.sandbox().engineAccess()).isTrue();
        assertThat(c.sandbox().readOnly()).containsExactly(Path.of("/opt/jdk"), Path.of("/srv/tools"));
    }

    @Test
    void nodeAndPreferredSourcesAreCheckedAtStart() throws Exception {
        Path node = java.nio.file.Files.createFile(dir.resolve("node"));
        assertThatThrownBy(() ->
                        parseAgent(Map.of(), "agent", "--node", node.toString()).toConfig())
                .hasMessageContaining("--node: " + node + " is not an executable file");
        node.toFile().setExecutable(true);
        var ok = parseAgent(
                        Map.of("RUNWAY_ACTIONS_PREFER_SOURCES", "actions/setup-node, actions/setup-python"),
                        "agent",
                        "--node",
                        node.toString())
                .toConfig();
        assertThat(ok.actions().node()).isEqualTo(node.toAbsolutePath());
        assertThat(ok.actions().preferSources())
                .containsExactlyInAnyOrder("actions/setup-node", "actions/setup-python");
        assertThatThrownBy(() -> parseAgent(Map.of(), "agent", "--actions-prefer-sources", "acme/thing")
                        .toConfig())
                .hasMessageContaining("--actions-prefer-sources: 'acme/thing' is not a built-in action (use all, or"
                        + " one of actions/cache");
        assertThat(parseAgent(Map.of(), "agent", "--actions-prefer-sources", "all")
                        .toConfig()
                        .actions()
                        .preferSources())
                .containsExactly("all");
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheConfigFileWhichBeatsDefaults() throws Exception {
        Path cfg = dir.resolve("runway.yaml");
        Files.writeString(cfg, "port: 9001\nlease-timeout: 45s\nmax-attempts: 5\nhost: 0.0.0.0\n");
        Map<String, String> env = Map.of("RUNWAY_PORT", "9002", "RUNWAY_LEASE_TIMEOUT", "50s");

        ServerCommand s = parseServer(env, "server", "--config", cfg.toString(), "--port", "9003");
        assertThat(s.port).isEqualTo(9003); // flag
        assertThat(s.leaseTimeout).isEqualTo(Duration.ofSeconds(50)); // env over file
        assertThat(s.maxAttempts).isEqualTo(5); // file over default
        assertThat(s.host).isEqualTo("0.0.0.0");
        assertThat(s.jobTimeout).isEqualTo(Duration.ofHours(6)); // default
        assertThat(s.maxLogSize).isEqualTo(100L * 1024 * 1024);

        ServerCommand plain = parseServer(Map.of(), "server");
        assertThat(plain.port).isEqualTo(8420);
        assertThat(plain.leaseTimeout).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void anUnknownConfigKeyIsAnErrorWithItsLine() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "port: 9001\nleese-timeout: 30s\n");
        Run r = run(Map.of(), "server", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(cfg + ":2:1: unknown key 'leese-timeout'");
    }

    @Test
    void invalidYamlInTheConfigFileNamesLineAndColumn() throws Exception {
        Path cfg = dir.resolve("broken.yaml");
        Files.writeString(cfg, "port: 9001\n  lease: [\n");
        Run r = run(Map.of(), "server", "--config", cfg.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(cfg.toString() + ":").contains("invalid YAML");
    }

    @Test
    void invalidOptionValuesNameTheOption() {
        Run r = run(Map.of(), "server", "--lease-timeout", "soon");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--lease-timeout").contains("invalid duration 'soon'");
        Run size = run(Map.of(), "server", "--max-log-size", "lots");
        assertThat(size.err()).contains("--max-log-size").contains("invalid size");
    }

    @Test
    void retentionTakesADurationOrZeroForForeverAndNamesTheOptionOtherwise() {
        ServerCommand server = new ServerCommand();
        new CommandLine(server).parseArgs("--retain-logs", "0", "--retain-artifacts", "30d", "--retain-jobs", "12h");
        dev.runway.server.ServerConfig.Retention r = server.toConfig().retention();
        assertThat(r.logs()).isEqualTo(java.time.Duration.ZERO);
        assertThat(r.artifacts()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(r.caches()).isEqualTo(java.time.Duration.ofDays(7));
        assertThat(r.jobs()).isEqualTo(java.time.Duration.ofHours(12));
        Run bad = run(Map.of(), "server", "--retain-caches", "a while");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--retain-caches").contains("invalid duration 'a while'");
    }

    @Test
    void aBlobStoreIsAnS3UrlWithPathStyleForAnEndpointAndBadSettingsAreNamed() {
        ServerCommand server = new ServerCommand();
        new CommandLine(server)
                .parseArgs("--blob-store", "s3://ci-blobs/site-a", "--blob-store-endpoint", "http://minio:9000");
        var b = server.toConfig().blobStore();
        assertThat(b.bucket()).isEqualTo("ci-blobs");
        assertThat(b.prefix()).isEqualTo("site-a/");
        assertThat(b.endpoint()).hasToString("http://minio:9000");
        assertThat(b.pathStyle()).as("S3-compatible stores want path style").isTrue();
        assertThat(b.region()).isEqualTo("us-east-1");
        ServerCommand aws = new ServerCommand();
        new CommandLine(aws).parseArgs("--blob-store", "s3://ci-blobs", "--blob-store-region", "eu-west-1");
        assertThat(aws.toConfig().blobStore().pathStyle()).isFalse();
        assertThat(aws.toConfig().blobStore().prefix()).isEmpty();
        ServerCommand plain = new ServerCommand();
        new CommandLine(plain).parseArgs();
        assertThat(plain.toConfig().blobStore()).as("default: the data dir").isNull();

        for (var bad : Map.of(
                        List.of("--blob-store", "https://ci-blobs.s3.amazonaws.com"),
                        "--blob-store: 'https://ci-blobs.s3.amazonaws.com' is not s3://BUCKET or s3://BUCKET/PREFIX",
                        List.of("--blob-store", "s3://CI_Blobs"),
                        "--blob-store: S3 bucket name 'CI_Blobs' is not valid",
                        List.of("--blob-store", "s3://ci-blobs/../x"),
                        "--blob-store: S3 key prefix '../x/' must be segments",
                        List.of("--blob-store-endpoint", "http://minio:9000"),
                        "--blob-store-endpoint needs --blob-store s3://BUCKET")
                .entrySet()) {
            List<String> args = new java.util.ArrayList<>(
                    List.of("server", "--data-dir", dir.resolve("d").toString()));
            args.addAll(bad.getKey());
            Run r = run(Map.of(), args.toArray(String[]::new));
            assertThat(r.code()).as(bad.getKey().toString()).isNotZero();
            assertThat(r.err()).contains(bad.getValue()).doesNotContain("Exception");
        }
    }

    @Test
    void aBlobStoreThatCannotBeReachedStopsTheStartWithWhere() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String[] args = {
            "server",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("d").toString(),
            "--blob-store",
            "s3://ci-blobs",
            "--blob-store-endpoint",
            "http://127.0.0.1:" + port
        };
        // (the AWS SDK's chain reads system properties first: this test's stand-in for the server's environment)
        Run none = run(Map.of(), args);
        assertThat(none.code()).isNotZero();
        assertThat(none.err())
                .contains("blob store s3://ci-blobs/ at http://127.0.0.1:" + port + ": cannot use the bucket: no"
                        + " credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        System.setProperty("aws.accessKeyId", "k");
        System.setProperty("aws.secretAccessKey", "s");
        Run r;
        try {
            r = run(Map.of(), args);
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
        assertThat(r.code()).isNotZero();
        assertThat(r.err())
                .contains("cannot start the control plane: blob store s3://ci-blobs/ at http://127.0.0.1:" + port
                        + ": cannot use the bucket")
                .doesNotContain("\tat ");
    }

    @Test
    void adminBackupAndRestoreRoundTripAndRefuseANonEmptyTarget() throws Exception {
        Path data = dir.resolve("data");
        dev.runway.server.store.Database.open(
                        dev.runway.server.ServerConfig.builder(data).build())
                .close();
        Files.writeString(data.resolve("master.key"), "a-master-key-stand-in\n"); // the server makes it at start
        Path zip = dir.resolve("backup.zip");
        Run backup = run(Map.of(), "admin", "backup", "--data-dir", data.toString(), zip.toString());
        assertThat(backup.code()).as(backup.err()).isZero();
        assertThat(backup.out()).contains("backed up schema version").contains(zip.toString());
        assertThat(Files.getPosixFilePermissions(zip))
                .as("it holds the master key")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        Run onto = run(Map.of(), "admin", "restore", "--data-dir", data.toString(), zip.toString());
        assertThat(onto.code()).isNotZero();
        assertThat(onto.err())
                .startsWith("runway: ")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");

        Path fresh = dir.resolve("restored");
        Run restore = run(Map.of(), "admin", "restore", "--data-dir", fresh.toString(), zip.toString());
        assertThat(restore.code()).as(restore.err()).isZero();
        assertThat(restore.out()).contains("restored schema version");
        try (var db = dev.runway.server.store.Database.open(
                dev.runway.server.ServerConfig.builder(fresh).build())) {
            assertThat(db).isNotNull();
        }
        assertThat(Files.readAllBytes(fresh.resolve("master.key")))
                .isEqualTo(Files.readAllBytes(data.resolve("master.key")));
    }

    @Test
    void sizesAndDurationsParse() {
        assertThat(Sizes.parse("100MiB")).isEqualTo(100L * 1024 * 1024);
        assertThat(Sizes.parse("512KiB")).isEqualTo(512L * 1024);
        assertThat(Sizes.parse("2GB")).isEqualTo(2_000_000_000L);
        assertThat(Sizes.parse("17")).isEqualTo(17);
        assertThat(new DurationConverter().convert("1h")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void jobFilesMapToTheSpecInKebabOrCamelCase() throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, """
        name: build
        labels: [linux]
        timeout-seconds: 600
        max-attempts: 3
        env: {A: "1"}
        steps:
          - name: compile
            run: make
            working-directory: src
            timeout-seconds: 60
          - run: make test
            shell: sh
        """);
        JobSpec s = JobFiles.read(f);
        assertThat(s.name()).isEqualTo("build");
        assertThat(s.timeoutSeconds()).isEqualTo(600);
        assertThat(s.maxAttempts()).isEqualTo(3);
        assertThat(s.steps().get(0).workingDirectory()).isEqualTo("src");
        assertThat(s.steps().get(0).timeoutSeconds()).isEqualTo(60);
        assertThat(s.steps().get(1).shell()).isEqualTo("sh");

        Path json = dir.resolve("job.json");
        Files.writeString(json, "{\"name\":\"j\",\"steps\":[{\"run\":\"true\",\"timeoutSeconds\":5}]}");
        assertThat(JobFiles.read(json).steps().get(0).timeoutSeconds()).isEqualTo(5);
    }

    @Test
    void jobFileErrorsCarryFileLineAndColumn() throws Exception {
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, "name: x\nsteps:\n  - name: a\n    rnu: make\n");
        assertThatThrownBy(() -> JobFiles.read(typo))
                .isInstanceOf(CliException.class)
                .hasMessageStartingWith(typo + ":4:")
                .hasMessageContaining("unknown key 'rnu'");

        Path badType = dir.resolve("type.yaml");
        Files.writeString(badType, "name: x\nsteps:\n  - run: make\n    timeout-seconds: soon\n");
        assertThatThrownBy(() -> JobFiles.read(badType)).hasMessageStartingWith(badType + ":4:");

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "name: x\nsteps: [\n");
        assertThatThrownBy(() -> JobFiles.read(broken))
                .hasMessageStartingWith(broken + ":")
                .hasMessageContaining("invalid YAML");

        Path noRun = dir.resolve("norun.yaml");
        Files.writeString(noRun, "name: x\nsteps:\n  - name: a\n");
        assertThatThrownBy(() -> JobFiles.read(noRun)).hasMessageContaining("steps[0] needs 'run'");

        assertThatThrownBy(() -> JobFiles.read(dir.resolve("missing.yaml"))).hasMessageContaining("no such file");
    }

    @Test
    void anUnreachableControlPlaneIsOneClearLine() {
        Run r = run(Map.of("RUNWAY_TOKEN", "rwa_x"), "jobs", "--url", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains("runway: cannot reach the control plane at http://127.0.0.1:1")
                .doesNotContain("Exception");
    }

    @Test
    void withoutATokenTheCliSaysHowToGetOne() {
        Run r = run(Map.of("RUNWAY_DATA_DIR", dir.toString()), "jobs");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no API token");
    }

    @Test
    void validateReportsWorkflowProblemsWithPositionsAndExitCode() throws Exception {
        Path good = dir.resolve("good.yml");
        Files.writeString(good, "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n");
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "on: push\njobs:\n  a:\n    needs: nope\n    runs-on: x\n    steps: [{run: echo}]\n");
        assertThat(run(Map.of(), "validate", good.toString()).code()).isZero();
        Run r = run(Map.of(), "validate", good.toString(), bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(bad + ":4:12: error: Job 'a' depends on unknown job 'nope'.");
    }

    @Test
    void validateChecksACallAgainstTheCalleeInTheSameRepository() throws Exception {
        Path wf = Files.createDirectories(dir.resolve("repo/.github/workflows"));
        Files.writeString(
                wf.resolve("deploy.yml"),
                "on:\n  workflow_call:\n    inputs:\n      env: {type: string, required: true}\n"
                        + "jobs:\n  d: {runs-on: x, steps: [{run: echo}]}\n");
        Path ci = wf.resolve("ci.yml");
        Files.writeString(ci, "on: push\njobs:\n  release:\n    uses: ./.github/workflows/deploy.yml\n");
        Run r = run(Map.of(), "validate", wf.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains(ci + ":4:11: error: Input env is required, but not provided while calling.");
        Files.writeString(
                ci, "on: push\njobs:\n  release:\n    uses: ./.github/workflows/deploy.yml\n    with: {env: prod}\n");
        assertThat(run(Map.of(), "validate", wf.toString()).code()).isZero();
    }

    @Test
    void validateChecksActionFilesAsActions() throws Exception {
        Path ok = Files.createDirectories(dir.resolve("ok")).resolve("action.yml");
        Files.writeString(ok, "name: js\nruns:\n  using: node20\n  main: dist/index.js\n");
        Path broken = Files.createDirectories(dir.resolve("broken")).resolve("action.yaml");
        Files.writeString(broken, "name: js\nruns:\n  using: node20\n  image: Dockerfile\n");
        assertThat(run(Map.of(), "validate", ok.toString()).code()).isZero();
        Run r = run(Map.of(), "validate", ok.toString(), broken.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out())
                .contains(broken + ":3:10: error: Required property is missing: runs.main")
                .contains(broken + ":4:10: error: runs.image does not apply to actions that run with 'node20'");
    }

    @Test
    void anAgentRefusesAHooksDirItCannotUse() throws Exception {
        Run missing =
                run(Map.of(), "agent", "--hooks-dir", dir.resolve("nope").toString(), "--data-dir", dir.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("--hooks-dir: ").contains("nope");
        java.nio.file.Path hooks = java.nio.file.Files.createDirectories(dir.resolve("hooks"));
        java.nio.file.Files.writeString(hooks.resolve("pre-command"), "#!/bin/sh\nexit 0\n"); // not executable
        Run notExecutable = run(Map.of("RUNWAY_HOOKS_DIR", hooks.toString()), "agent", "--data-dir", dir.toString());
        assertThat(notExecutable.code()).isEqualTo(1);
        assertThat(notExecutable.err()).contains("--hooks-dir: ").contains("pre-command");
    }

    @Test
    void anAgentNeedsAnHttpUrl() {
        Run r = run(Map.of(), "agent", "--url", "ftp://x", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("--url: 'ftp://x' is not an http(s) URL");
        Run second = run(Map.of(), "agent", "--url", "http://a:8420,ftp://y", "--data-dir", dir.toString());
        assertThat(second.code()).isEqualTo(1);
        assertThat(second.err()).contains("--url: 'ftp://y' is not an http(s) URL");
    }

    @Test
    void anAgentTakesSeveralControlPlanesInOrder() {
        assertThat(parseAgent(Map.of(), "agent", "--url", "http://a:8420, https://b:8420,http://a:8420")
                        .urls())
                .extracting(Object::toString)
                .containsExactly("http://a:8420", "https://b:8420");
        assertThat(parseAgent(Map.of(), "agent", "--url", "http://a:8420,https://b:8420")
                        .toConfig()
                        .serverUrl())
                .hasToString("http://a:8420");
    }
}
