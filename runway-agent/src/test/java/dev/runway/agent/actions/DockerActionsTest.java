package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.EngineActionContainers;
import dev.runway.agent.container.TestEngine;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.JobLimits;
import dev.runway.agent.isolation.JobUser;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.SandboxOptions;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.steps.DockerAction;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepResult;
import dev.runway.protocol.StepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker actions ({@code runs.using: docker}) in jobs of the shell executor, on a real engine (Podman's Docker API
 * in CI): an action's Dockerfile is built once and reused, its container sees the workspace, step files and inputs
 * where GitHub's runner puts them, and nothing of it stays in the engine. Skipped without an engine, failed instead
 * under CI=true.
 */
class DockerActionsTest {
    static ContainerEngine engine;

    @TempDir
    static Path store;

    @TempDir
    Path work;

    /** Makes this run's Dockerfile unique, so the first job builds it even if an earlier run built one like it. */
    static final String NONCE = UUID.randomUUID().toString();

    final String agentKey = "test-" + UUID.randomUUID().toString().substring(0, 8);
    Path workspace;
    final LogCapture log = new LogCapture();

    static final String HELLO = """
            name: hello
            inputs:
              who:
                required: true
              token:
                default: ''
              exit:
                default: '0'
              empty:
                default: ''
            outputs:
              message:
                description: the greeting
            runs:
              using: docker
              image: Dockerfile
              args:
                - ${{ inputs.who }}
                - ${{ inputs.empty }}
                - --from=${{ github.repository }}
              env:
                GREETING: Hi ${{ inputs.who }}
              pre-entrypoint: /pre.sh
              post-entrypoint: /post.sh
            """;

    static final String ENTRYPOINT = """
            #!/bin/sh
            echo "args: $*"
            echo "$GREETING, INPUT_WHO=$INPUT_WHO"
            echo "::add-mask::$INPUT_TOKEN"
            echo "the token: $INPUT_TOKEN"
            echo "pwd=$(pwd) home=$HOME workspace=$GITHUB_WORKSPACE temp=$RUNNER_TEMP"
            echo "event: $(cat "$GITHUB_EVENT_PATH")"
            echo "host variables: ${HOST_ONLY_VAR:-none} job variable: $JOB_VAR step variable: $STEP_VAR"
            echo "pre said: $STATE_pre"
            echo "message=hello $INPUT_WHO" >> "$GITHUB_OUTPUT"
            echo "FROM_DOCKER=yes" >> "$GITHUB_ENV"
            echo "main=main-was-here" >> "$GITHUB_STATE"
            echo "made in a container" > docker.txt
            echo "home file" > "$HOME/kept"
            exit "$INPUT_EXIT"
            """;

    @BeforeAll
    static void actions() throws Exception {
        engine = TestEngine.require();
        Path hello = Files.createDirectories(store.resolve("acme/hello/v1"));
        Files.writeString(hello.resolve("action.yml"), HELLO);
        Files.writeString(hello.resolve("Dockerfile"), """
                FROM %s
                COPY entrypoint.sh pre.sh post.sh /
                LABEL nonce=%s
                ENTRYPOINT ["/entrypoint.sh"]
                """.formatted(TestEngine.IMAGE, NONCE));
        executable(hello.resolve("entrypoint.sh"), ENTRYPOINT);
        executable(
                hello.resolve("pre.sh"),
                "#!/bin/sh\necho \"pre: $INPUT_WHO\"\necho pre=pre-was-here >> $GITHUB_STATE\n");
        executable(
                hello.resolve("post.sh"),
                "#!/bin/sh\necho \"post: $STATE_main after $STATE_pre, home has $(cat $HOME/kept)\"\n");

        Path boxed = Files.createDirectories(store.resolve("acme/boxed/v1"));
        Files.writeString(boxed.resolve("action.yml"), """
                name: boxed
                inputs:
                  word:
                    default: plain
                runs:
                  using: docker
                  image: docker://%s
                  entrypoint: /bin/sh
                  args: ["-c", "echo boxed says ${{ inputs.word }} with INPUT_WORD=$INPUT_WORD"]
                """.formatted(TestEngine.IMAGE));

        Path cmd = Files.createDirectories(store.resolve("acme/cmd/v1"));
        Files.writeString(cmd.resolve("action.yml"), """
                name: image command
                runs:
                  using: docker
                  image: docker://%s
                """.formatted(TestEngine.IMAGE));

        Path slow = Files.createDirectories(store.resolve("acme/slow/v1"));
        Files.writeString(slow.resolve("action.yml"), """
                name: slow
                runs:
                  using: docker
                  image: docker://%s
                  args: ["sh", "-c", "echo sleeping; sleep 60"]
                """.formatted(TestEngine.IMAGE));

        Path unknown = Files.createDirectories(store.resolve("acme/unknown/v1"));
        Files.writeString(unknown.resolve("action.yml"), """
                name: unknown
                runs:
                  using: docker
                  image: docker://localhost/runway-test:no-such-image
                """);

        Path broken = Files.createDirectories(store.resolve("acme/broken/v1"));
        Files.writeString(broken.resolve("action.yml"), """
                name: broken
                runs:
                  using: docker
                  image: build/Dockerfile
                """);
        Files.createDirectories(broken.resolve("build"));
        Files.writeString(
                broken.resolve("build/Dockerfile"),
                "FROM " + TestEngine.IMAGE + "\nCOPY missing-file.txt /\n"); // fails before any layer
    }

    static void executable(Path file, String content) throws Exception {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void close() {
        if (engine == null) return;
        for (String tag : builtTags) engine.removeImage(tag);
        engine.close();
    }

    static final List<String> builtTags = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(work.resolve("job-1"));
    }

    @AfterEach
    void nothingLeft() {
        assertThat(engine.containers(Map.of(ContainerEngine.LABEL_AGENT, agentKey)))
                .as("containers left in the engine")
                .isEmpty();
    }

    String log() {
        return log.text();
    }

    Sandbox sandbox = Sandbox.HOST;

    Executor.Outcome run(ActionContainers containers, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(Map.of(
                "PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"), "HOST_ONLY_VAR", "leaked")));
        env.put("GITHUB_WORKSPACE", workspace.toString());
        env.put("CI", "true");
        env.put("JOB_VAR", "from the job");
        Map<String, Object> contexts =
                Map.of("github", Map.of("repository", "acme/app", "run_id", "1", "event", Map.of("ref", "main")));
        JobSpec spec = new JobSpec(
                "t", List.of(), Map.of("JOB_VAR", "from the job"), List.of(steps), 120, 1, contexts, null, null, null);
        ActionSources sources = new ActionSources(store, List.of(), work.resolve(".actions"));
        Executor.Outcome o = new JobExecutor(new ProcessHosts(new StepTracker(work), sandbox), sources, containers)
                .run(spec, workspace, env, log, new JobControl());
        Matcher m = Pattern.compile("(localhost/runway-action:[0-9a-f]+)").matcher(log());
        while (m.find()) builtTags.add(m.group(1));
        return o;
    }

    Executor.Outcome run(StepSpec... steps) {
        return run(new EngineActionContainers(engine, JobLimits.NONE, agentKey), steps);
    }

    static StepSpec uses(String id, String action, Map<String, String> with) {
        return new StepSpec(
                null, null, Map.of("STEP_VAR", "from the step"), null, null, null, id, null, action, with, null);
    }

    @Test
    void anActionBuiltFromItsDockerfileSeesTheJobAsOnGitHubAndItsImageIsBuiltOnce() throws Exception {
        // a version of its own, so no other test has built its image yet
        Path v2 = Files.createDirectories(store.resolve("acme/hello/v2"));
        try (var files = Files.list(store.resolve("acme/hello/v1"))) {
            for (Path f : files.toList())
                Files.copy(f, v2.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(v2.resolve("VERSION"), "2");
        StepSpec later = StepSpec.of(
                "later",
                "echo \"later: ${{ steps.hi.outputs.message }} FROM_DOCKER=$FROM_DOCKER\"; cat docker.txt;"
                        + " echo \"token again: tok-5ec7e7\"");
        Executor.Outcome o = run(uses("hi", "acme/hello@v2", Map.of("who", "Mona", "token", "tok-5ec7e7")), later);
        String text = log();
        assertThat(o.result()).as(text).isEqualTo(JobState.SUCCEEDED);
        assertThat(text)
                .contains("[runway] building image localhost/runway-action:")
                .contains("pre: Mona")
                .contains("args: Mona --from=acme/app") // the empty argument is dropped, as GitHub does
                .contains("Hi Mona, INPUT_WHO=Mona")
                .contains("the token: ***")
                .contains("pwd=/github/workspace home=/github/home workspace=/github/workspace"
                        + " temp=/github/runner_temp")
                .contains("event: {\"ref\":\"main\"}")
                .contains("host variables: none job variable: from the job step variable: from the step")
                .contains("pre said: pre-was-here")
                .contains("later: hello Mona FROM_DOCKER=yes")
                .contains("made in a container")
                .contains("token again: ***")
                .contains("post: main-was-here after pre-was-here, home has home file")
                .doesNotContain("tok-5ec7e7");
        assertThat(text.indexOf("post: main-was-here")).isGreaterThan(text.indexOf("later: hello"));
        // the pre-entrypoint ran at the job's start, as a step of its own
        assertThat(o.steps())
                .extracting(StepResult::name)
                .containsExactly("Pre step 1", "step 1", "later", "Post step 1");
        assertThat(o.steps().get(1).outputs()).containsEntry("message", "hello Mona");
        assertThat(workspace.resolve("docker.txt")).hasContent("made in a container");

        log.reset();
        Files.delete(workspace.resolve("docker.txt"));
        Executor.Outcome again = run(uses("hi", "acme/hello@v2", Map.of("who", "Hubot")));
        assertThat(again.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("[runway] using image localhost/runway-action:")
                .doesNotContain("building image")
                .contains("Hi Hubot, INPUT_WHO=Hubot");
    }

    @Test
    void aFailingEntrypointFailsTheStepWithItsExitCodeAndThePostStillRuns() {
        Executor.Outcome o =
                run(uses("hi", "acme/hello@v1", Map.of("who", "x", "exit", "3")), StepSpec.of("skipped", "echo never"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'step 1' exited with 3");
        assertThat(o.steps().get(1).exitCode()).isEqualTo(3);
        assertThat(log()).contains("post: main-was-here").doesNotContain("never\n");
    }

    @Test
    void aRegistryImageRunsWithTheActionsEntrypointOrItsOwnCommand() {
        Executor.Outcome o = run(
                uses("b", "acme/boxed@v1", Map.of("word", "quux")),
                uses("c", "acme/cmd@v1", Map.of()),
                uses("d", "acme/boxed@v1", Map.of()));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("boxed says quux with INPUT_WORD=quux").contains("boxed says plain");
    }

    @Test
    void underTheSandboxAnImageStepRunsAndTheUnprivilegedJobKeepsItsFiles() {
        boolean bwrap = Files.isExecutable(Path.of("/usr/bin/bwrap"));
        if (!bwrap && "true".equals(System.getenv("CI")))
            throw new AssertionError("bubblewrap (bwrap) is missing; under CI=true the sandbox tests must run");
        org.junit.jupiter.api.Assumptions.assumeTrue(bwrap, "bubblewrap (bwrap) is not installed");
        sandbox = Sandbox.bubblewrap(List.of(work), true, List.of(store));
        Executor.Outcome o = run(
                uses(
                        "img",
                        "docker://" + TestEngine.IMAGE,
                        Map.of(
                                "entrypoint",
                                "/bin/sh",
                                "args",
                                "-c 'echo \"made by uid $(id -u)\" > made.txt && echo done=1 >> $GITHUB_OUTPUT'")),
                StepSpec.of(
                        "after",
                        "echo \"step uid $(id -u)\"; echo appended >> made.txt; cat made.txt;"
                                + " echo \"output ${{ steps.img.outputs.done }}\""));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("made by uid 0", "appended", "output 1");
        if (JobUser.agentIsRoot()) assertThat(log()).contains("step uid " + SandboxOptions.DEFAULT_UID);
    }

    @Test
    void aStepCanNameAnImageInsteadOfAnAction() {
        Executor.Outcome o = run(
                uses(
                        "img",
                        "docker://" + TestEngine.IMAGE,
                        Map.of(
                                "entrypoint",
                                "/bin/sh",
                                "args",
                                "-c 'echo \"image step in $(pwd) with $INPUT_COLOR\" && echo done=1 >> $GITHUB_OUTPUT'",
                                "color",
                                "blue")),
                new StepSpec(
                        "after",
                        "echo \"after: ${{ steps.img.outputs.done }}\"",
                        Map.of(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        Map.of(),
                        null));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("image step in /github/workspace with blue").contains("after: 1");
        assertThat(DockerAction.splitArgs("-c 'a b' \"c d\" e")).containsExactly("-c", "a b", "c d", "e");
        assertThat(DockerAction.splitArgs("  ")).isEmpty();
        Executor.Outcome bad = run(uses("x", "docker://" + TestEngine.IMAGE, Map.of("args", "echo 'oops")));
        assertThat(bad.reason()).contains("with.args: unclosed ' quote");
    }

    @Test
    void aStepTimeoutRemovesTheActionsContainer() {
        StepSpec slow = new StepSpec(null, null, Map.of(), null, 2, null, "s", null, "acme/slow@v1", Map.of(), null);
        long start = System.nanoTime();
        Executor.Outcome o = run(slow);
        assertThat(o.result()).as(log()).isEqualTo(JobState.TIMED_OUT);
        assertThat(log()).contains("sleeping");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(30));
    }

    @Test
    void anUnknownImageAndAFailedBuildSayWhatWentWrong() {
        Executor.Outcome unknown = run(uses("u", "acme/unknown@v1", Map.of()));
        assertThat(unknown.result()).isEqualTo(JobState.FAILED);
        assertThat(unknown.reason())
                .contains("uses: 'acme/unknown@v1'")
                .contains("image 'localhost/runway-test:no-such-image' is not on this runner's container engine");

        Executor.Outcome broken = run(uses("b", "acme/broken@v1", Map.of()));
        assertThat(broken.result()).isEqualTo(JobState.FAILED);
        assertThat(broken.reason())
                .contains("uses: 'acme/broken@v1'")
                .contains("building Dockerfile failed")
                .contains("missing-file.txt");
    }

    @Test
    void withoutAnEngineADockerActionSaysHowToGetOne() {
        Executor.Outcome o = run(
                new EngineActionContainers("unix:///nonexistent/docker.sock", JobLimits.NONE, agentKey),
                uses("hi", "acme/hello@v1", Map.of("who", "x")));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason())
                .contains("Docker actions need a container engine")
                .contains("unix:///nonexistent/docker.sock")
                .contains("--engine");
    }
}
