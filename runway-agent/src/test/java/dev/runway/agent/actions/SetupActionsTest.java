package dev.runway.agent.actions;

import static dev.runway.agent.Needs.needs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.agent.tools.ToolCache;
import dev.runway.agent.tools.ToolDiscovery;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** setup-java and friends in real jobs, with the JDKs of this machine in a tool cache. */
class SetupActionsTest {
    @TempDir
    Path work;

    Path workspace;
    ToolCache cache;
    final LogCapture log = new LogCapture();

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(work.resolve("job-1"));
        cache = new ToolCache(work.resolve("tool-cache"));
    }

    String log() {
        return log.text();
    }

    Executor.Outcome run(boolean workflow, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(
                Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", System.getProperty("user.home"))));
        env.put("RUNNER_TOOL_CACHE", cache.root().toString());
        env.remove("JAVA_HOME");
        Map<String, Object> contexts = workflow ? Map.of("github", Map.of("run_id", "1")) : null;
        JobSpec spec = new JobSpec("t", List.of(), Map.of(), List.of(steps), null, 1, contexts, null, null, null);
        return new JobExecutor(new StepTracker(work)).run(spec, workspace, env, log, new JobControl());
    }

    static StepSpec uses(String id, String action, Map<String, String> with) {
        return new StepSpec(null, null, Map.of(), null, null, null, id, null, action, with, null);
    }

    /** The machine's JDKs: 17 and 25 under /usr/lib/jvm. */
    void machineJdks() {
        ToolDiscovery.discover(cache, Path.of("/usr/lib/jvm"), null);
        try {
            needs(
                    cache.find("java", "17").isPresent()
                            && cache.find("java", "25").isPresent(),
                    "needs JDK 17 and 25 under /usr/lib/jvm");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void setupJavaSelectsAmongTheMachinesJdksForTheLaterSteps() throws Exception {
        machineJdks();
        for (String major : List.of("25", "17")) {
            log.reset();
            Executor.Outcome o = run(
                    true,
                    uses("java", "actions/setup-java@v4", Map.of("java-version", major, "distribution", "temurin")),
                    StepSpec.of(
                            "version",
                            "java -version 2>&1; echo \"home=$JAVA_HOME\"; echo \"major=$JAVA_HOME_" + major
                                    + "_X64\""),
                    StepSpec.of("outputs", "echo 'out=${{ steps.java.outputs.version }}|${{ env.JAVA_HOME }}'"));
            assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
            String home = cache.find("java", major).orElseThrow().path().toString();
            assertThat(log())
                    .contains("version \"" + major + ".")
                    .contains("home=" + home)
                    .contains("major=" + home)
                    .contains("out=" + cache.find("java", major).orElseThrow().version() + "|" + home)
                    .contains("distribution 'temurin' requested");
            assertThat(o.steps().get(0).outputs())
                    .containsEntry("distribution", "temurin")
                    .containsEntry("path", home);
        }
    }

    @Test
    void noMatchingVersionFailsWithTheAvailableOnes() throws Exception {
        cache.add(
                "java",
                "17.0.15",
                Files.createDirectories(work.resolve("jdk17/bin")).getParent());
        cache.add(
                "java",
                "25.0.1",
                Files.createDirectories(work.resolve("jdk25/bin")).getParent());
        Executor.Outcome o = run(
                false,
                uses(null, "actions/setup-java@v4", Map.of("java-version", "22", "distribution", "temurin")),
                StepSpec.of("never", "echo never ran"));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason())
                .contains("no java matching '22' in the tool cache (RUNNER_TOOL_CACHE=" + cache.root() + ")")
                .contains("available: 17.0.15, 25.0.1")
                .contains("runway tools add java 22 /path");
        assertThat(log()).doesNotContain("never ran");
    }

    @Test
    void setupNodeGoAndPythonPickByRangeAndSetTheirVariables() throws Exception {
        for (String[] t : List.of(
                new String[] {"node", "18.20.0", "node"},
                new String[] {"node", "20.11.1", "node"},
                new String[] {"go", "1.21.9", "go"},
                new String[] {"go", "1.22.1", "go"},
                new String[] {"python", "3.11.9", "python3"},
                new String[] {"python", "3.13.0", "python3"})) {
            Path bin = Files.createDirectories(work.resolve(t[0] + "-" + t[1] + "/bin"));
            Path exe = bin.resolve(t[2]);
            Files.writeString(exe, "#!/bin/sh\necho " + t[0] + " " + t[1] + "\n");
            exe.toFile().setExecutable(true);
            cache.add(t[0], t[1], bin.getParent());
        }
        Files.writeString(workspace.resolve(".nvmrc"), "v18\n");
        Executor.Outcome o = run(
                true,
                uses("node", "actions/setup-node@v4", Map.of("node-version", "20.x", "cache", "npm")),
                StepSpec.of("node", "node"),
                uses("go", "actions/setup-go@v5", Map.of("go-version", "^1.21 <1.22")),
                StepSpec.of("go", "go; echo \"goroot=$GOROOT\""),
                uses("py", "actions/setup-python@v5", Map.of("python-version", ">=3.10 <3.13")),
                StepSpec.of("python", "python3; echo \"loc=$pythonLocation\""),
                uses("nvmrc", "actions/setup-node@v4", Map.of("node-version-file", ".nvmrc")),
                StepSpec.of("node again", "node"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log())
                .contains("node 20.11.1")
                .contains("go 1.21.9")
                .contains("goroot=" + cache.root().resolve("go/1.21.9/" + ToolCache.arch()))
                .contains("python 3.11.9")
                .contains("loc=" + cache.root().resolve("python/3.11.9/" + ToolCache.arch()))
                .contains("node 18.20.0")
                .contains("input 'cache' accepted but not applied");
        assertThat(o.steps().get(0).outputs()).containsEntry("node-version", "v20.11.1");
        assertThat(o.steps().get(2).outputs()).containsEntry("go-version", "1.21.9");
        assertThat(o.steps().get(4).outputs())
                .containsEntry("python-version", "3.11.9")
                .containsEntry(
                        "python-path",
                        cache.root()
                                .resolve("python/3.11.9/" + ToolCache.arch() + "/bin/python3")
                                .toString());
    }

    @Test
    void setupNodeResolvesLtsAndLatestAliasesFromTheToolCache() throws Exception {
        for (String v : List.of("18.20.0", "20.11.1", "21.7.3", "22.4.0")) {
            Path bin = Files.createDirectories(work.resolve("node-" + v + "/bin"));
            Path exe = bin.resolve("node");
            Files.writeString(exe, "#!/bin/sh\necho node " + v + "\n");
            exe.toFile().setExecutable(true);
            cache.add("node", v, bin.getParent());
        }
        Executor.Outcome o = run(
                true,
                uses("a", "actions/setup-node@v4", Map.of("node-version", "lts/*")),
                StepSpec.of("lts", "node"),
                uses("b", "actions/setup-node@v4", Map.of("node-version", "lts/iron")),
                StepSpec.of("iron", "node"),
                uses("c", "actions/setup-node@v4", Map.of("node-version", "lts/-1")),
                StepSpec.of("one back", "node"),
                uses("d", "actions/setup-node@v4", Map.of("node-version", "latest")),
                StepSpec.of("latest", "node"));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(o.steps())
                .filteredOn(r -> r.outputs().containsKey("node-version"))
                .extracting(r -> r.outputs().get("node-version"))
                .containsExactly("v22.4.0", "v20.11.1", "v20.11.1", "v22.4.0");
        assertThat(log()).contains("lts/* is Node.js 22 here (the newest even major in the tool cache)");

        log.reset();
        Executor.Outcome bad = run(true, uses("x", "actions/setup-node@v4", Map.of("node-version", "lts/unknown")));
        assertThat(bad.result()).isEqualTo(JobState.FAILED);
        assertThat(bad.reason()).contains("unknown LTS line 'lts/unknown'").contains("lts/iron");
    }
}
