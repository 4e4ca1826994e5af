package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.agent.NpmPackages;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.agent.steps.StepLoop;
import dev.runway.agent.tools.ToolCache;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepResult;
import dev.runway.protocol.StepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JavaScript actions ({@code runs.using: node20}) in real jobs: the machine's Node.js runs actions built on the real
 * {@code @actions/core} from the npm registry, installed once for the class into a local action store.
 */
class JavaScriptActionsTest {
    @TempDir
    static Path store;

    @TempDir
    Path work;

    Path workspace;
    java.util.Set<String> prefer = java.util.Set.of();
    final LogCapture log = new LogCapture();

    static final String GREET = """
            name: greet
            inputs:
              who to greet:
                required: true
              token:
                default: ''
              greeting:
                default: Hello from ${{ github.repository }}
            outputs:
              message:
                description: the greeting
            runs:
              using: node20
              pre: pre.js
              main: main.js
              post: post.js
            """;

    @BeforeAll
    static void actions() throws Exception {
        Path greet = Files.createDirectories(store.resolve("acme/greet/v1"));
        NpmPackages.install(greet, NpmPackages.ACTIONS_CORE);
        Files.writeString(greet.resolve("action.yml"), GREET);
        Files.writeString(greet.resolve("pre.js"), """
                const core = require('@actions/core');
                core.saveState('pre-time', 'pre-was-here');
                console.log('pre: started');
                """);
        Files.writeString(greet.resolve("main.js"), """
                const core = require('@actions/core');
                const who = core.getInput('who to greet', { required: true });
                const token = core.getInput('token');
                if (token) core.setSecret(token);
                console.log(`${core.getInput('greeting')}, ${who}! token=${token}`);
                console.log(`main: pre saved ${core.getState('pre-time')}`);
                console.log(`main: action ${process.env.GITHUB_ACTION_REPOSITORY}@${process.env.GITHUB_ACTION_REF}`
                    + ` in ${process.cwd()} as ${process.env.GITHUB_ACTION}`);
                core.setOutput('message', `greeted ${who}`);
                core.saveState('main-said', `greeted ${who}`);
                core.exportVariable('GREETED', who);
                core.addPath('/opt/greet/bin');
                core.warning('just so you know', { file: 'main.js', startLine: 3 });
                """);
        Files.writeString(greet.resolve("post.js"), """
                const core = require('@actions/core');
                console.log(`post: ${core.getState('main-said')} after ${core.getState('pre-time')}`);
                """);

        Path fail = Files.createDirectories(store.resolve("acme/fail/v1"));
        NpmPackages.install(fail, NpmPackages.ACTIONS_CORE);
        Files.writeString(fail.resolve("action.yml"), """
                name: fail
                runs:
                  using: node24
                  main: main.js
                  post: post.js
                  post-if: failure()
                """);
        Files.writeString(fail.resolve("main.js"), """
                const core = require('@actions/core');
                core.setFailed('the widget is broken');
                """);
        Files.writeString(fail.resolve("post.js"), "console.log('post of fail: cleaning up after a failure');\n");

        Path guarded = Files.createDirectories(store.resolve("acme/guarded/v1"));
        Files.writeString(guarded.resolve("action.yml"), """
                name: guarded
                runs:
                  using: node20
                  pre: pre.js
                  pre-if: runner.os == 'Windows'
                  main: main.js
                """);
        Files.writeString(guarded.resolve("pre.js"), "console.log('guarded pre ran');\n");
        Files.writeString(guarded.resolve("main.js"), "console.log('guarded main ran');\n");

        // an action built with an old toolkit: the deprecated workflow commands, no package at all
        Path old = Files.createDirectories(store.resolve("acme/old/v1"));
        Files.writeString(old.resolve("action.yml"), """
                name: old
                runs:
                  using: node16
                  main: index.js
                  post: post.js
                """);
        Files.writeString(old.resolve("index.js"), """
                console.log('::set-output name=answer::42');
                console.log('::save-state name=kept::for-post');
                """);
        Files.writeString(old.resolve("post.js"), "console.log(`old post: ${process.env.STATE_kept}`);\n");

        // a copy of a built-in action in the store, as `runway actions sync actions/setup-node@v4` leaves it
        Path setupNode = Files.createDirectories(store.resolve("actions/setup-node/v4"));
        Files.writeString(setupNode.resolve("action.yml"), """
                name: Setup Node.js environment
                inputs:
                  node-version:
                    description: version
                outputs:
                  node-version:
                    description: the version
                runs:
                  using: node20
                  main: dist/setup/index.js
                """);
        Files.createDirectories(setupNode.resolve("dist/setup"));
        Files.writeString(setupNode.resolve("dist/setup/index.js"), """
                const fs = require('fs');
                fs.appendFileSync(process.env.GITHUB_OUTPUT, `node-version=v${process.env['INPUT_NODE-VERSION']}.0.0\\n`);
                console.log('setup-node from the action store');
                """);
    }

    @BeforeEach
    void setUp() throws Exception {
        workspace = Files.createDirectories(work.resolve("job-1"));
    }

    String log() {
        return log.text();
    }

    Executor.Outcome run(Path node, Map<String, String> extraEnv, StepSpec... steps) {
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(
                Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))));
        env.putAll(extraEnv);
        Map<String, Object> contexts = Map.of("github", Map.of("repository", "acme/app", "run_id", "1"));
        JobSpec spec = new JobSpec("t", List.of(), Map.of(), List.of(steps), 120, 1, contexts, null, null, null);
        ActionSources sources = new ActionSources(store, List.of(), work.resolve(".actions"), node, prefer);
        return new JobExecutor(new ProcessHosts(new StepTracker(work), Sandbox.HOST), sources)
                .run(spec, workspace, env, log, new JobControl());
    }

    static StepSpec uses(String id, String action, Map<String, String> with) {
        return new StepSpec(null, null, Map.of(), null, null, null, id, null, action, with, null);
    }

    static StepSpec script(String name, String run) {
        return new StepSpec(name, run, Map.of(), null, null, null, null, null, null, Map.of(), null);
    }

    @Test
    void anActionBuiltOnActionsCoreReadsInputsSetsOutputsMasksAndKeepsStateForItsPost() {
        Executor.Outcome o = run(
                null,
                Map.of(),
                uses("hi", "acme/greet@v1", Map.of("who to greet", "Mona", "token", "tok-3f9a1c77e2")),
                script(
                        "later",
                        "echo \"later step is $GITHUB_ACTION\"\n"
                                + "echo \"later: ${{ steps.hi.outputs.message }} GREETED=$GREETED PATH=$PATH\"\n"
                                + "echo \"the token again: tok-3f9a1c77e2\""));
        String text = log();
        assertThat(o.result()).as(text).isEqualTo(JobState.SUCCEEDED);
        assertThat(text)
                .contains("pre: started")
                .contains("Hello from acme/app, Mona! token=***")
                .contains("main: pre saved pre-was-here")
                .contains("main: action acme/greet@v1 in " + workspace + " as hi")
                .contains("later step is __run")
                .contains("later: greeted Mona GREETED=Mona PATH=/opt/greet/bin:")
                .contains("the token again: ***")
                .contains("post: greeted Mona after pre-was-here")
                .doesNotContain("tok-3f9a1c77e2")
                .containsPattern("node20 action runs with Node.js v\\d+");
        // the post step runs after every step of the job
        assertThat(text.indexOf("post: greeted")).isGreaterThan(text.indexOf("later: greeted"));
        assertThat(o.steps())
                .extracting(StepResult::name)
                .containsExactly("Pre step 1", "step 1", "later", "Post step 1");
        assertThat(o.steps().get(1).outputs()).containsEntry("message", "greeted Mona");
        assertThat(o.annotations()).anySatisfy(a -> assertThat(a.message()).isEqualTo("just so you know"));
    }

    @Test
    void preStepsRunAtTheJobsStartBeforeAnyStepUnlessPreIfSaysNo() {
        Executor.Outcome o = run(
                null,
                Map.of(),
                script("first", "echo first step ran"),
                uses("g", "acme/guarded@v1", Map.of()),
                uses("hi", "acme/greet@v1", Map.of("who to greet", "${{ 'early' }}")));
        String text = log();
        assertThat(o.result()).as(text).isEqualTo(JobState.SUCCEEDED);
        assertThat(o.steps())
                .extracting(StepResult::name)
                .containsExactly("Pre step 3", "first", "step 2", "step 3", "Post step 3");
        assertThat(text.indexOf("pre: started")).isLessThan(text.indexOf("first step ran"));
        assertThat(text)
                .contains("main: pre saved pre-was-here")
                .contains("guarded main ran")
                .doesNotContain("guarded pre ran");
        assertThat(text.split("pre: started", -1)).as("the pre ran once").hasSize(2);
    }

    @Test
    void aRequiredInputLeftOutFailsBeforeNodeRuns() {
        Executor.Outcome o = run(null, Map.of(), uses("hi", "acme/greet@v1", Map.of()));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("input 'who to greet' is required");
        assertThat(log()).doesNotContain("pre: started");
    }

    @Test
    void setFailedFailsTheStepAndPostIfDecidesWhetherThePostRuns() {
        Executor.Outcome o =
                run(null, Map.of(), uses("f", "acme/fail@v1", Map.of()), script("skipped", "echo this never runs"));
        String text = log();
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).isEqualTo("step 'step 1' exited with 1");
        assertThat(o.annotations()).anySatisfy(a -> assertThat(a.message()).isEqualTo("the widget is broken"));
        assertThat(text).contains("post of fail: cleaning up after a failure").doesNotContain("this never runs");

        log.reset();
        Executor.Outcome ok = run(null, Map.of(), uses("o", "acme/old@v1", Map.of()));
        assertThat(ok.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ok.steps().get(0).outputs()).containsEntry("answer", "42");
        assertThat(log()).contains("old post: for-post").contains("the `set-output` command is deprecated");
    }

    @Test
    void theToolCachesNodeOfTheActionsMajorVersionIsPreferredToPath() throws Exception {
        Path node = NodeRuntime.find(null, 20, Map.of("PATH", System.getenv("PATH")))
                .executable();
        ToolCache cache = new ToolCache(work.resolve("tool-cache"));
        cache.add("node", "20.99.0", node.getParent().getParent()); // the install dir: <dir>/bin/node
        Executor.Outcome o = run(
                null,
                Map.of("RUNNER_TOOL_CACHE", cache.root().toString(), "PATH", "/nonexistent"),
                uses("hi", "acme/greet@v1", Map.of("who to greet", "cache")));
        assertThat(o.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("Hello from acme/app, cache!").contains("(" + node + ")");
    }

    @Test
    void withoutNodeTheStepSaysHowToGetOne() {
        assertThatThrownBy(() -> NodeRuntime.find(null, 20, Map.of("PATH", work.toString())))
                .hasMessageContaining("this action runs with node20 but the runner has no Node.js")
                .hasMessageContaining("runway tools add node 20")
                .hasMessageContaining("--node");
        Executor.Outcome o =
                run(null, Map.of("PATH", work.toString()), uses("hi", "acme/greet@v1", Map.of("who to greet", "x")));
        assertThat(o.result()).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("uses: 'acme/greet@v1'").contains("the runner has no Node.js");
        Path notNode = work.resolve("not-node");
        assertThatThrownBy(() -> NodeRuntime.find(notNode, 20, Map.of()))
                .hasMessageContaining("--node " + notNode + ") is not an executable file");
    }

    @Test
    void aBuiltInActionComesFromTheSourcesOnlyWhenTheRunnerPrefersThem() {
        StepSpec setup = uses("n", "actions/setup-node@v4", Map.of("node-version", "20"));
        Executor.Outcome builtIn = run(null, Map.of(), setup);
        assertThat(builtIn.result()).isEqualTo(JobState.FAILED);
        assertThat(builtIn.reason()).contains("this runner has no tool cache"); // the native one ran
        assertThat(log()).doesNotContain("setup-node from the action store");

        log.reset();
        prefer = java.util.Set.of("actions/setup-node");
        Executor.Outcome fromStore = run(null, Map.of(), setup);
        assertThat(fromStore.result()).as(log()).isEqualTo(JobState.SUCCEEDED);
        assertThat(log()).contains("actions/setup-node@v4 from " + store).contains("setup-node from the action store");
        assertThat(fromStore.steps().get(0).outputs()).containsEntry("node-version", "v20.0.0");

        log.reset();
        prefer = java.util.Set.of(ActionSources.ALL);
        Executor.Outcome cacheNotInStore = run(null, Map.of(), uses("c", "actions/cache/save@v4", Map.of()));
        // not in the store: the built-in runs (and fails on its own terms), no error about the store
        assertThat(cacheNotInStore.reason()).doesNotContain("not in ").doesNotContain("action sources");
        assertThat(log()).doesNotContain("actions/cache/save@v4 from");
    }

    @Test
    void inputNamesBecomeVariablesAsTheToolkitReadsThem() {
        assertThat(StepLoop.inputVariable("who to greet")).isEqualTo("INPUT_WHO_TO_GREET");
        assertThat(StepLoop.inputVariable("node-version")).isEqualTo("INPUT_NODE-VERSION");
    }
}
