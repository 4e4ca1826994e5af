package dev.runway.agent.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.agent.actions.ActionSources;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.JobLimits;
import dev.runway.agent.isolation.JobUser;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.SandboxOptions;
import dev.runway.agent.isolation.StepTracker;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox executor with the real bubblewrap: what a job must not reach. Without bwrap the tests are skipped
 * with that reason, except under CI=true, where a missing bwrap fails them (.ci/run installs it).
 */
class SandboxExecutorTest {
    @TempDir
    Path data;

    Path work;
    Path workspace;
    Path credential;
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    JobExecutor executor;

    @BeforeEach
    void setUp() throws Exception {
        boolean bwrap = Files.isExecutable(Path.of("/usr/bin/bwrap")) || Files.isExecutable(Path.of("/bin/bwrap"));
        if (!bwrap && "true".equals(System.getenv("CI")))
            throw new AssertionError("bubblewrap (bwrap) is missing; under CI=true the sandbox tests must run");
        assumeTrue(bwrap, "bubblewrap (bwrap) is not installed: sandbox tests skipped");
        work = Files.createDirectories(data.resolve("work"));
        workspace = Files.createDirectories(work.resolve("job-1"));
        Files.createDirectories(work.resolve("job-2"));
        Files.writeString(work.resolve("job-2/other.txt"), "another job's file");
        credential = data.resolve("runner-credential.json");
        Files.writeString(credential, "{\"credential\":\"rwc_secret\"}");
        executor = new JobExecutor(new StepTracker(work), Sandbox.bubblewrap(List.of(work, data), false));
    }

    String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    Executor.Outcome run(JobControl control, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv("PATH")));
        return executor.run(
                new JobSpec("t", List.of(), Map.of(), List.of(steps), 60, 1),
                workspace,
                env,
                (b, off, len) -> {
                    synchronized (log) {
                        log.write(b, off, len);
                    }
                },
                control);
    }

    /** An absolute working directory runs as on GitHub, but only reaches what the sandbox mounts. */
    @Test
    void anAbsoluteWorkingDirectoryIsTheSandboxsOwn() {
        Executor.Outcome ok = run(
                new JobControl(),
                new StepSpec("tmp", "touch mine && echo \"in $(pwd)\"", Map.of(), "/tmp", null, null));
        assertThat(ok.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("in /tmp\n");
        assertThat(Path.of("/tmp/mine")).as("the sandbox's /tmp is its own").doesNotExist();

        Executor.Outcome hidden =
                run(new JobControl(), new StepSpec("hidden", "echo ran", Map.of(), "/root", null, null));
        assertThat(hidden.result()).isEqualTo(JobState.FAILED);
        assertThat(log()).doesNotContain("ran\n");
    }

    @Test
    void actionsInTheRunnersHiddenDataDirectoryRunInTheSandbox() throws Exception {
        Path store = data.resolve("actions");
        Path composite = Files.createDirectories(store.resolve("acme/script/v1"));
        Files.writeString(composite.resolve("action.yml"), """
                name: script
                runs:
                  using: composite
                  steps:
                    - shell: bash
                      run: bash "$GITHUB_ACTION_PATH/say.sh"
                """);
        Files.writeString(composite.resolve("say.sh"), "echo \"script beside the action ran in $(pwd)\"\n");
        Path js = Files.createDirectories(store.resolve("acme/js/v1"));
        Files.writeString(js.resolve("action.yml"), "name: js\nruns:\n  using: node20\n  main: index.js\n");
        Files.writeString(js.resolve("index.js"), """
                const fs = require('fs');
                let secret = 'hidden';
                try { secret = fs.readFileSync('%s', 'utf8'); } catch (e) {}
                console.log(`js action ran; credential ${secret === 'hidden' ? 'hidden' : 'READ'}`);
                """.formatted(credential));
        executor = new JobExecutor(
                new ProcessHosts(new StepTracker(work), Sandbox.bubblewrap(List.of(work, data), false, List.of(store))),
                new ActionSources(store, List.of(), work.resolve(".actions")));
        List<StepSpec> steps = List.of(
                new StepSpec(null, null, Map.of(), null, null, null, null, null, "acme/script@v1", Map.of(), null),
                new StepSpec(null, null, Map.of(), null, null, null, null, null, "acme/js@v1", Map.of(), null));
        boolean node = dev.runway.agent.NpmPackages.onPath("node");
        Executor.Outcome o = executor.run(
                new JobSpec(
                        "t",
                        List.of(),
                        Map.of(),
                        node ? steps : steps.subList(0, 1),
                        60,
                        1,
                        Map.of(),
                        null,
                        null,
                        null),
                workspace,
                new HashMap<>(Map.of("PATH", System.getenv("PATH"))),
                (b, off, len) -> {
                    synchronized (log) {
                        log.write(b, off, len);
                    }
                },
                new JobControl());
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("script beside the action ran in " + workspace);
        if (node) assertThat(log()).contains("js action ran; credential hidden");
        dev.runway.agent.Needs.needs(node, "Node.js on PATH for the JavaScript action in the sandbox");
    }

    @Test
    void aJobSeesOnlyItsOwnWorkspace() {
        Executor.Outcome o = run(
                new JobControl(),
                StepSpec.of("write here", "echo built > out.txt && cat out.txt && echo home=$HOME && touch $HOME/x"),
                StepSpec.of(
                        "probe",
                        String.join(
                                "\n",
                                "cat " + credential + " 2>/dev/null && echo CREDENTIAL-READ || echo credential hidden",
                                "cat " + work.resolve("job-2/other.txt") + " 2>/dev/null && echo OTHER-READ"
                                        + " || echo other job hidden",
                                "touch /usr/runway-escape 2>/dev/null && echo ESCAPED || echo host read-only",
                                "echo processes=$(ls /proc | grep -c '^[0-9]')",
                                "(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo NETWORK || echo no network")));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("built")
                .contains("credential hidden")
                .contains("other job hidden")
                .contains("host read-only")
                .contains("no network")
                .doesNotContain("CREDENTIAL-READ", "OTHER-READ", "ESCAPED", "NETWORK\n");
        int processes = Integer.parseInt(log().replaceAll("(?s).*processes=(\\d+).*", "$1"));
        assertThat(processes).as("only the sandbox's own processes are visible").isLessThan(10);
        assertThat(workspace.resolve("out.txt")).hasContent("built");
        assertThat(Path.of("/usr/runway-escape")).doesNotExist();
    }

    @Test
    void aStepRunsUnprivilegedSeesOnlyTheAllowListAndCannotMountOrUnshare() throws Exception {
        assumeTrue(JobUser.agentIsRoot(), "not root: steps keep the agent's uid");
        Files.writeString(workspace.resolve("from-the-agent.txt"), "written by root\n"); // as checkout, cache...
        Path hostTmp = Files.createTempFile("runway-host-tmp-", ".txt");
        try {
            Executor.Outcome o = run(
                    new JobControl(),
                    StepSpec.of(
                            "probe",
                            String.join(
                                    "\n",
                                    "echo uid=$(id -u)",
                                    "cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ || echo shadow unreadable",
                                    "for d in /run /var/run /home /root /var/lib; do [ -e $d ] && echo VISIBLE $d"
                                            + " || echo absent $d; done",
                                    "[ -e " + hostTmp + " ] && echo HOST-TMP || echo host tmp hidden",
                                    "echo more >> from-the-agent.txt && echo agent file writable",
                                    "touch /tmp/x $HOME/x $RUNNER_TEMP/x 2>/dev/null; echo tmp=$? ",
                                    "if out=$(unshare -U true 2>&1); then echo unshare=0; else echo \"unshare=$? $out\"; fi",
                                    "if out=$(mount -t tmpfs none /tmp 2>&1); then echo mount=0; else echo \"mount=$? $out\"; fi")));
            assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
            assertThat(log())
                    .contains("uid=" + SandboxOptions.DEFAULT_UID)
                    .contains("shadow unreadable")
                    .contains("absent /run", "absent /var/run", "absent /home", "absent /root", "absent /var/lib")
                    .contains("host tmp hidden")
                    .contains("agent file writable")
                    .contains("unshare: unshare failed: Operation not permitted")
                    .containsPattern("mount=\\d+ mount: ")
                    .doesNotContain("SHADOW-READ", "VISIBLE", "HOST-TMP", "unshare=0", "mount=0");
            assertThat(workspace.resolve("from-the-agent.txt")).hasContent("written by root\nmore");
        } finally {
            Files.deleteIfExists(hostTmp);
        }
    }

    /**
     * The programs that start a sandboxed step run as the agent (root) outside the sandbox: a job must not choose
     * them through GITHUB_PATH, nor load code into them through LD_PRELOAD (found by review: both were root on the
     * host). The job's own environment still reaches its step, loader variables included.
     */
    @Test
    void aJobCannotChooseOrLoadCodeIntoTheProgramsThatStartItsSandbox() throws Exception {
        Path marker = data.resolve("pwned"); // hidden from the sandbox: only a host-side program can write it
        StringBuilder plant = new StringBuilder("mkdir -p bin\n");
        for (String p : List.of("setsid", "sh", "bwrap", "setpriv", "env")) {
            plant.append("printf '#!/bin/sh\\necho ")
                    .append(p)
                    .append(" >> ")
                    .append(marker)
                    .append("\\nexit 0\\n' > bin/")
                    .append(p)
                    .append(" && chmod +x bin/")
                    .append(p)
                    .append("\n");
        }
        plant.append("echo \"$PWD/bin\" >> \"$GITHUB_PATH\"\n");
        Executor.Outcome o = run(
                new JobControl(),
                StepSpec.of("plant", plant.toString()),
                new StepSpec(
                        "second",
                        "echo \"second step ran preload=$LD_PRELOAD path-first=${PATH%%:*}\"",
                        Map.of("LD_PRELOAD", "/nonexistent/runway-probe.so"),
                        null,
                        null,
                        null));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(marker).as("a program the job planted ran on the host").doesNotExist();
        assertThat(log())
                .contains("second step ran preload=/nonexistent/runway-probe.so path-first=" + workspace + "/bin");
        // ld.so names a preload it cannot find once for each process that loads it: only the step's own shell
        long preloaded = log().lines()
                .filter(l -> l.contains("runway-probe.so") && l.contains("ld.so"))
                .count();
        assertThat(preloaded).as(log()).isEqualTo(1);
    }

    @Test
    void stepFilesReplacedByLinksAreNeitherReadNorWrittenThrough() throws Exception {
        Path victim = Files.createDirectories(data.resolve("victim"));
        Files.writeString(victim.resolve("path"), "precious");
        Files.writeString(credential, "{\"credential\":\"rwc_secret\"}");
        Executor.Outcome o = run(
                new JobControl(),
                // the next step's files would be written into the victim directory, as the agent (root)
                StepSpec.of("plant", "ln -s " + victim + " \"$RUNNER_TEMP/../step-1\" && echo planted"),
                StepSpec.of("second", "echo second ran"),
                StepSpec.of(
                        "steal",
                        "ln -sf " + credential + " \"$GITHUB_STEP_SUMMARY\" && rm -f \"$GITHUB_ENV\"" + " && ln -s "
                                + credential + " \"$GITHUB_ENV\" && echo linked"));
        assertThat(log()).contains("planted", "second ran", "linked");
        assertThat(victim.resolve("path")).hasContent("precious");
        assertThat(victim.resolve("env")).doesNotExist();
        assertThat(o.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(log()).contains("GITHUB_ENV is no longer a plain file").doesNotContain("rwc_secret");
    }

    @Test
    void aTimeoutKillsEverythingInTheSandbox() throws Exception {
        Path marker = workspace.resolve("still-running");
        long start = System.nanoTime();
        Executor.Outcome o = run(
                new JobControl(),
                new StepSpec(
                        "hang",
                        "(trap '' TERM; while true; do date > still-running; sleep 0.1; done) & sleep 300",
                        Map.of(),
                        null,
                        1,
                        null));
        assertThat(o.result()).isEqualTo(JobState.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        String before = Files.readString(marker);
        org.awaitility.Awaitility.await()
                .during(Duration.ofMillis(600))
                .atMost(Duration.ofSeconds(3))
                .until(() -> Files.readString(marker).equals(before));
    }

    @Test
    void limitsHoldInTheSandboxAndAnOomKillIsReported() throws Exception {
        boolean cgroups = java.nio.file.Files.isWritable(Path.of("/sys/fs/cgroup/memory"))
                || java.nio.file.Files.isWritable(Path.of("/sys/fs/cgroup/cgroup.subtree_control"));
        if (!cgroups && "true".equals(System.getenv("CI")))
            throw new AssertionError("cgroups are not writable; under CI=true (root) the limit tests must run");
        assumeTrue(cgroups, "cgroups are not writable here (not root?): limit tests skipped");
        executor = new JobExecutor(new ProcessHosts(
                new StepTracker(work),
                Sandbox.bubblewrap(List.of(work, data), false),
                new JobLimits(null, 48L << 20, 40),
                "test-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-",
                true));
        Executor.Outcome many = run(
                new JobControl(),
                StepSpec.of("fork", "for i in $(seq 1 100); do sleep 5 & done; wait; echo ALL-STARTED"));
        assertThat(many.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(log()).doesNotContain("ALL-STARTED");

        Executor.Outcome oom = run(new JobControl(), StepSpec.of("grow", "x=a; while true; do x=$x$x$x; done"));
        assertThat(oom.result()).as(log()).isEqualTo(JobState.FAILED);
        assertThat(oom.reason()).contains("OOM killer").contains("48 MiB");
        assertThat(oom.usage().oomKilled()).isTrue();
        assertThat(oom.usage().peakMemoryBytes()).isGreaterThan(24L << 20);
        assertThat(oom.usage().cpuSeconds()).isGreaterThan(0.0);
    }
}
