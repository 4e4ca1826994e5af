package dev.runway.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.JobLimits;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container executor against a real engine (Podman's Docker API in CI), with images built locally: jobs run
 * in their container with the workspace mounted, services answer by name after their health check, limits hold
 * (an OOM kill is reported as one), and nothing the job made stays in the engine afterwards. Skipped without an
 * engine, failed instead under CI=true.
 */
class ContainerExecutorTest {
    static ContainerEngine engine;

    @TempDir
    Path data;

    final String agentKey = "test-" + UUID.randomUUID().toString().substring(0, 8);
    Path work;
    Path workspace;
    Path credential;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    ContainerHosts hosts;
    JobExecutor executor;

    @BeforeAll
    static void engine() throws Exception {
        engine = TestEngine.require();
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        work = Files.createDirectories(data.resolve("work"));
        workspace = Files.createDirectories(work.resolve("job-1-1"));
        Files.createDirectories(work.resolve("job-2-1"));
        Files.writeString(work.resolve("job-2-1/other.txt"), "another job's file");
        credential = data.resolve("runner-credential.json");
        Files.writeString(credential, "{\"credential\":\"rwc_secret\"}");
        hosts = new ContainerHosts(engine, TestEngine.IMAGE, new JobLimits(1.0, 256L << 20, 256), agentKey);
        executor = new JobExecutor(hosts);
    }

    @AfterEach
    void nothingLeft() {
        assertThat(engine.containers(Map.of(ContainerEngine.LABEL_AGENT, agentKey)))
                .as("containers left in the engine")
                .isEmpty();
        assertThat(engine.networks(Map.of(ContainerEngine.LABEL_AGENT, agentKey)))
                .as("networks left in the engine")
                .isEmpty();
    }

    String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    Executor.Outcome run(JobControl control, Object container, Map<String, Object> services, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(Map.of("GITHUB_WORKSPACE", workspace.toString(), "CI", "true"));
        JobSpec spec =
                new JobSpec("t", List.of(), Map.of(), List.of(steps), 60, 1, null, Map.of(), container, services);
        return executor.run(
                spec,
                workspace,
                env,
                (b, off, len) -> {
                    synchronized (log) {
                        log.write(b, off, len);
                    }
                },
                control);
    }

    @Test
    void actionsFromTheRunnersStoreRunInTheJobContainer() throws Exception {
        Path store = data.resolve("actions");
        Path composite = Files.createDirectories(store.resolve("acme/script/v1"));
        Files.writeString(composite.resolve("action.yml"), """
                name: script
                runs:
                  using: composite
                  steps:
                    - shell: sh
                      run: sh "$GITHUB_ACTION_PATH/say.sh"
                """);
        Files.writeString(
                composite.resolve("say.sh"), "echo \"script beside the action ran in $(pwd) on $(uname -n)\"\n");
        Path js = Files.createDirectories(store.resolve("acme/js/v1"));
        Files.writeString(js.resolve("action.yml"), "name: js\nruns:\n  using: node20\n  main: index.js\n");
        Files.writeString(js.resolve("index.js"), "console.log('js');\n");
        executor = new JobExecutor(
                new ContainerHosts(engine, TestEngine.IMAGE, JobLimits.NONE, agentKey, true, List.of(store)),
                new dev.runway.agent.actions.ActionSources(store, List.of(), work.resolve(".actions")));
        Map<String, String> env = new HashMap<>(Map.of("GITHUB_WORKSPACE", workspace.toString()));
        JobSpec spec = new JobSpec(
                "t",
                List.of(),
                Map.of(),
                List.of(
                        new StepSpec(
                                null, null, Map.of(), null, null, null, null, null, "acme/script@v1", Map.of(), null),
                        new StepSpec(null, null, Map.of(), null, null, null, null, null, "acme/js@v1", Map.of(), null)),
                60,
                1,
                Map.of(),
                Map.of(),
                null,
                Map.of());
        Executor.Outcome o = executor.run(
                spec,
                workspace,
                env,
                (b, off, len) -> {
                    synchronized (log) {
                        log.write(b, off, len);
                    }
                },
                new JobControl());
        assertThat(log()).contains("script beside the action ran in " + workspace);
        // the test image has no Node.js: the JavaScript action says what it needs
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).as(log()).contains("the job's container has no 'node' on its PATH");
    }

    @Test
    void stepsRunInTheJobContainerWithOnlyTheWorkspaceFromTheHost() {
        Executor.Outcome o = run(
                new JobControl(),
                null,
                Map.of(),
                StepSpec.of(
                        "write",
                        "echo built > out.txt && cat out.txt && echo pwd=$(pwd) && tr '\\0' ' ' < /proc/1/cmdline"),
                StepSpec.of(
                        "probe",
                        String.join(
                                "\n",
                                "cat " + credential + " 2>/dev/null && echo CREDENTIAL-READ || echo credential hidden",
                                "cat " + work.resolve("job-2-1/other.txt") + " 2>/dev/null && echo OTHER-READ"
                                        + " || echo other job hidden",
                                "ls /usr/lib/jvm 2>/dev/null && echo HOST-FS || echo host filesystem hidden",
                                // the path exists on the host; in the container it is the container's own
                                "mkdir -p " + data.resolve("escape") + " && echo x > " + data.resolve("escape/f"),
                                "echo processes=$(ls /proc | grep -c '^[0-9]')")),
                StepSpec.of("fail", "exit 3"),
                StepSpec.of("never", "echo NEVER"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'fail' exited with 3");
        assertThat(log())
                .contains("pwd=" + workspace)
                .contains("tail -f /dev/null")
                .contains("credential hidden", "other job hidden", "host filesystem hidden")
                .doesNotContain("CREDENTIAL-READ", "OTHER-READ", "HOST-FS", "NEVER");
        int processes = Integer.parseInt(log().replaceAll("(?s).*processes=(\\d+).*", "$1"));
        assertThat(processes)
                .as("only the container's own processes are visible")
                .isLessThan(6);
        assertThat(workspace.resolve("out.txt")).hasContent("built");
        assertThat(data.resolve("escape"))
                .as("a write outside the workspace stays in the container")
                .doesNotExist();
        assertThat(o.usage().cpuSeconds()).as("CPU time measured").isNotNull();
    }

    @Test
    void servicesAnswerByNameOnceHealthy() {
        Map<String, Object> services = Map.of(
                "web",
                Map.of(
                        "image",
                        TestEngine.WEB_IMAGE,
                        "options",
                        "--health-cmd \"wget -qO- http://127.0.0.1:8080/\" --health-interval 200ms --health-retries 50"));
        Executor.Outcome o = run(
                new JobControl(),
                Map.of("image", TestEngine.IMAGE, "env", Map.of("GREETING", "hello from the job container")),
                services,
                StepSpec.of("call", "wget -qO- http://web:8080/ && echo \"$GREETING\""));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("service 'web' is healthy")
                .contains("ok\n")
                .contains("hello from the job container");
    }

    @Test
    void aServiceThatNeverBecomesHealthyFailsTheJobWithItsLastOutput() {
        Map<String, Object> services = Map.of(
                "db",
                Map.of(
                        "image",
                        TestEngine.WEB_IMAGE,
                        "options",
                        "--health-cmd 'echo not ready yet; exit 1' --health-interval 50ms --health-retries 3"));
        Executor.Outcome o = run(new JobControl(), null, services, StepSpec.of("never", "echo NEVER"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("service 'db' did not become healthy").contains("not ready yet");
        assertThat(log()).doesNotContain("NEVER");
    }

    @Test
    void goingOverTheMemoryLimitIsReportedAsAnOomKill() {
        Executor.Outcome o = run(
                new JobControl(),
                Map.of("image", TestEngine.IMAGE, "options", "--memory 32m"),
                Map.of(),
                StepSpec.of("grow", "x=a; while true; do x=$x$x$x; done"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("OOM killer").contains("32 MiB");
        assertThat(o.usage().oomKilled()).isTrue();
        assertThat(o.usage().peakMemoryBytes()).isGreaterThan(16L << 20);
    }

    @Test
    void aTimeoutAndACancelKillTheStepAndRemoveTheContainers() throws Exception {
        long start = System.nanoTime();
        Executor.Outcome timedOut =
                run(new JobControl(), null, Map.of(), new StepSpec("hang", "sleep 300", Map.of(), null, 1, null));
        assertThat(timedOut.result()).isEqualTo(JobState.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));

        JobControl control = new JobControl();
        Thread canceller = Thread.ofVirtual().start(() -> {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> log().contains("waiting"));
            control.cancel("cancelled by the test");
        });
        Executor.Outcome cancelled = run(
                control,
                null,
                Map.of(),
                StepSpec.of("wait", "echo waiting; sleep 300"),
                StepSpec.of("n", "echo NEVER"));
        canceller.join();
        assertThat(cancelled.result()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelled.reason()).isEqualTo("cancelled by the test");
        assertThat(log()).doesNotContain("NEVER");
    }

    @Test
    void aMissingImageOrARefusedOptionFailsTheJobClearly() {
        Executor.Outcome missing =
                run(new JobControl(), "localhost/runway-test:missing", Map.of(), StepSpec.of("n", "echo NEVER"));
        assertThat(missing.result()).isEqualTo(JobState.FAILED);
        assertThat(missing.reason())
                .contains("image 'localhost/runway-test:missing' is not on this runner's container engine");
        assertThat(log()).contains("pulling image localhost/runway-test:missing");

        Executor.Outcome privileged = run(
                new JobControl(),
                Map.of("image", TestEngine.IMAGE, "options", "--privileged"),
                Map.of(),
                StepSpec.of("n", "echo NEVER"));
        assertThat(privileged.result()).isEqualTo(JobState.FAILED);
        assertThat(privileged.reason()).contains("container.options: --privileged is not supported");
        assertThat(log()).doesNotContain("NEVER");
    }

    @Test
    void aRestartedAgentRemovesWhatAKilledOneLeft() throws Exception {
        Map<String, String> labels = Map.of(ContainerEngine.LABEL_AGENT, agentKey, ContainerEngine.LABEL_JOB, "j-1");
        String net = engine.createNetwork("runway-" + agentKey + "-left", labels);
        engine.start(new ContainerEngine.ContainerRequest(
                TestEngine.IMAGE,
                "runway-" + agentKey + "-left",
                labels,
                List.of(),
                ContainerHosts.IDLE,
                List.of(),
                "runway-" + agentKey + "-left",
                List.of(),
                List.of(),
                JobLimits.NONE,
                null,
                null));
        assertThat(engine.containers(Map.of(ContainerEngine.LABEL_AGENT, agentKey)))
                .hasSize(1);
        assertThat(hosts.reapLeftovers()).isEqualTo(2);
        assertThat(engine.networks(labels)).doesNotContain(net);
    }

    @Test
    void withoutNetworkAJobSeesOnlyLoopbackAndServicesAreRefused() {
        executor = new JobExecutor(new ContainerHosts(engine, TestEngine.IMAGE, JobLimits.NONE, agentKey, false));
        Executor.Outcome o =
                run(new JobControl(), null, Map.of(), StepSpec.of("net", "echo links: $(ls /sys/class/net)"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("links: lo\n");

        Executor.Outcome refused =
                run(new JobControl(), null, Map.of("web", TestEngine.WEB_IMAGE), StepSpec.of("n", "echo NEVER"));
        assertThat(refused.result()).isEqualTo(JobState.FAILED);
        assertThat(refused.reason()).contains("runs without a network (the runner's --no-network)");

        executor = new JobExecutor(hosts); // a runner with network, a job that gives it up
        Executor.Outcome perJob = run(
                new JobControl(),
                Map.of("image", TestEngine.IMAGE, "options", "--network none"),
                Map.of(),
                StepSpec.of("net", "echo job links: $(ls /sys/class/net)"));
        assertThat(perJob.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("job links: lo\n");
        assertThat(log()).doesNotContain("NEVER");
    }
}
