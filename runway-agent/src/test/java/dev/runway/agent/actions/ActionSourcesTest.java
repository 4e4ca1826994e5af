package dev.runway.agent.actions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.isolation.ProcessHosts;
import dev.runway.agent.isolation.Sandbox;
import dev.runway.agent.isolation.StepTracker;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real git repositories in a temporary directory, served through file:// base URLs. */
class ActionSourcesTest {
    @TempDir
    Path tmp;

    static final String HELLO = """
            name: hello
            inputs:
              who:
                required: true
              greeting:
                default: Hello
            outputs:
              message:
                value: ${{ steps.say.outputs.message }}
            runs:
              using: composite
              steps:
                - id: say
                  shell: bash
                  run: |
                    echo "message=${{ inputs.greeting }}, ${{ inputs.who }}" >> "$GITHUB_OUTPUT"
                    echo "action path $GITHUB_ACTION_PATH ${{ github.action_path }}"
                    echo "in $(pwd)"
            """;

    /** A repository {@code <base>/owner/repo.git} with action.yml at the root, tagged v1; returns the commit. */
    static String repo(Path base, String ownerRepo, String actionYml, String tag) throws Exception {
        Path dir = base.resolve(ownerRepo + ".git");
        Files.createDirectories(dir);
        git(dir, "init", "-q", "-b", "main");
        Files.writeString(dir.resolve("action.yml"), actionYml);
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/action.yml"), actionYml.replace("name: hello", "name: sub"));
        git(dir, "add", "-A");
        git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "action");
        if (tag != null) git(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "tag", "-a", "-m", "tag", tag);
        return git(dir, "rev-parse", "HEAD").strip();
    }

    static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git %s: %s", List.of(args), out).isZero();
        return out;
    }

    @Test
    void parsesOwnerRepoPathAndRef() {
        assertThat(ActionSources.parse("acme/hello@v1")).isEqualTo(new ActionSources.Ref("acme", "hello", "", "v1"));
        assertThat(ActionSources.parse("acme/tools/setup/foo@release/v2.1"))
                .isEqualTo(new ActionSources.Ref("acme", "tools", "setup/foo", "release/v2.1"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "acme@v1",
                "acme/hello",
                "acme/hello@",
                "../hello@v1",
                "acme/../x@v1",
                "acme/hello/../../etc@v1",
                "/abs/hello@v1",
                "acme/hello@../../x",
                "acme/hello@v1/../..",
                "acme/hello@-upload-pack=x",
                "acme/hel lo@v1",
                "acme/hello@v1;rm",
                "acme//hello@v1",
                "acme/hello@/abs",
                "acme/hello@v1/.hidden"
            })
    void rejectsUnsafeNames(String uses) {
        assertThatThrownBy(() -> ActionSources.parse(uses)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void localStoreComesBeforeGitAndGitIsCachedByCommit() throws Exception {
        Path mirror = tmp.resolve("mirror");
        String commit = repo(mirror, "acme/hello", HELLO, "v1");
        Path store = tmp.resolve("store");
        Path cache = tmp.resolve("cache");
        ActionSources sources = new ActionSources(store, List.of("file://" + mirror + "/"), cache);

        ActionSources.Found viaGit = sources.resolve("acme/hello@v1");
        assertThat(viaGit.dir()).isEqualTo(cache.resolve("acme/hello/" + commit));
        assertThat(viaGit.dir().resolve("action.yml")).hasContent(HELLO);
        assertThat(viaGit.dir().resolve(".git")).doesNotExist();
        assertThat(viaGit.from()).contains("git file://" + mirror + "/acme/hello.git");
        assertThat(sources.resolve("acme/hello/sub@main").dir())
                .isEqualTo(cache.resolve("acme/hello/" + commit + "/sub"));
        assertThat(sources.resolve("acme/hello@" + commit).dir()).isEqualTo(viaGit.dir());

        // cached by commit: a second resolve does not fetch again (a marker file survives)
        Files.writeString(viaGit.dir().resolve("marker"), "x");
        assertThat(sources.resolve("acme/hello@v1").dir().resolve("marker")).exists();

        // the local store wins
        Path local = Files.createDirectories(store.resolve("acme/hello/v1"));
        Files.writeString(local.resolve("action.yml"), HELLO);
        assertThat(sources.resolve("acme/hello@v1").dir()).isEqualTo(local);
    }

    @Test
    void laterGitBasesAreTriedAndFailuresNameEveryPlace() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path mirror = tmp.resolve("mirror");
        repo(mirror, "acme/hello", HELLO, "v1");
        Path store = tmp.resolve("store");
        ActionSources sources =
                new ActionSources(store, List.of("file://" + empty, "file://" + mirror), tmp.resolve("cache"));
        assertThat(sources.resolve("acme/hello@v1").from()).contains(mirror.toString());

        assertThatThrownBy(() -> sources.resolve("acme/hello@v9"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acme/hello@v9 not found")
                .hasMessageContaining("not in " + store.resolve("acme/hello/v9"))
                .hasMessageContaining("git file://" + empty + "/acme/hello.git: ")
                .hasMessageContaining("git file://" + mirror + "/acme/hello.git: ref v9 not found");
        assertThatThrownBy(() -> sources.resolve("acme/hello/nope@v1")).hasMessageContaining("no directory nope at v1");
        assertThatThrownBy(() -> ActionSources.NONE.resolve("acme/hello@v1"))
                .hasMessageContaining("no action sources are configured")
                .hasMessageContaining("--actions-git-base");
    }

    @Test
    void nestedActionsScriptsBesideTheActionAndABrokenActionYml() throws Exception {
        Path mirror = tmp.resolve("mirror");
        repo(mirror, "acme/hello", HELLO, "v1");
        Path outer = mirror.resolve("acme/outer.git");
        Files.createDirectories(outer);
        Files.writeString(outer.resolve("greet.sh"), "echo \"script says $1\"\n");
        repo(mirror, "acme/outer", """
                name: outer
                outputs:
                  message:
                    value: ${{ steps.inner.outputs.message }}
                runs:
                  using: composite
                  steps:
                    - id: inner
                      uses: acme/hello@v1
                      with:
                        who: nested
                    - shell: bash
                      run: bash "${{ github.action_path }}/greet.sh" "${{ steps.inner.outputs.message }}"
                """, "v2");
        repo(mirror, "acme/js", """
                name: js
                runs:
                  using: node20
                  mian: index.js
                """, "v1");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path workspace = Files.createDirectories(work.resolve("job-1"));
        JobExecutor executor = new JobExecutor(
                new ProcessHosts(new StepTracker(work), Sandbox.HOST),
                new ActionSources(tmp.resolve("none"), List.of("file://" + mirror), work.resolve(".actions")));
        LogCapture out = new LogCapture();
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(
                Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))));
        StepSpec o =
                new StepSpec("outer", null, Map.of(), null, null, null, "o", null, "acme/outer@v2", Map.of(), null);
        StepSpec after = new StepSpec(
                "after",
                "echo \"outer gave: ${{ steps.o.outputs.message }}\"",
                Map.of(),
                null,
                null,
                null,
                null,
                null,
                null,
                Map.of(),
                null);
        StepSpec js = new StepSpec("js", null, Map.of(), null, null, null, null, null, "acme/js@v1", Map.of(), null);
        Executor.Outcome outcome = executor.run(
                new JobSpec(
                        "t",
                        List.of(),
                        Map.of(),
                        List.of(o, after, js),
                        60,
                        1,
                        Map.of("github", Map.of("repository", "acme/app")),
                        null,
                        null,
                        null),
                workspace,
                env,
                out,
                new JobControl());
        String text = out.text();
        assertThat(text).contains("script says Hello, nested").contains("outer gave: Hello, nested");
        assertThat(outcome.result()).as(text).isEqualTo(JobState.FAILED);
        assertThat(outcome.reason()).contains("acme/js@v1").contains("Required property is missing: runs.main");
    }

    @Test
    void checkoutFetchesABranchATagOrASha() throws Exception {
        Path mirror = tmp.resolve("mirror");
        String commit = repo(mirror, "acme/hello", HELLO, "v1");
        String url = "file://" + mirror + "/acme/hello.git";
        assertThat(ActionSources.checkout(url, "v1", tmp.resolve("a"), false)).isEqualTo(commit);
        assertThat(ActionSources.checkout(url, "main", tmp.resolve("b"), true)).isEqualTo(commit);
        assertThat(tmp.resolve("b/.git")).isDirectory();
        assertThat(ActionSources.checkout(url, commit, tmp.resolve("c"), false)).isEqualTo(commit);
        assertThat(tmp.resolve("c/action.yml")).hasContent(HELLO);
    }

    @Test
    void aWorkflowStepUsesAnActionFromAGitMirror() throws Exception {
        Path mirror = tmp.resolve("mirror");
        repo(mirror, "acme/hello", HELLO, "v1");
        Path work = Files.createDirectories(tmp.resolve("work"));
        Path workspace = Files.createDirectories(work.resolve("job-1"));
        JobExecutor executor = new JobExecutor(
                new ProcessHosts(new StepTracker(work), Sandbox.HOST),
                new ActionSources(null, List.of("file://" + mirror), work.resolve(".actions")));
        LogCapture out = new LogCapture();
        Map<String, String> env = new HashMap<>(JobExecutor.baseEnvironment(
                Map.of("PATH", System.getenv("PATH"), "HOME", System.getProperty("user.home"))));
        StepSpec hello = new StepSpec(
                "hello", null, Map.of(), null, null, null, "hi", null, "acme/hello@v1", Map.of("who", "mirror"), null);
        StepSpec after = new StepSpec(
                "after",
                "echo \"got: ${{ steps.hi.outputs.message }}\"",
                Map.of(),
                null,
                null,
                null,
                null,
                null,
                null,
                Map.of(),
                null);
        StepSpec missing =
                new StepSpec("missing", null, Map.of(), null, null, null, null, null, "acme/nope@v1", Map.of(), null);
        Map<String, Object> contexts = new HashMap<>();
        contexts.put("github", Map.of("repository", "acme/app"));
        Executor.Outcome o = executor.run(
                new JobSpec(
                        "t", List.of(), Map.of(), List.of(hello, after, missing), 60, 1, contexts, null, null, null),
                workspace,
                env,
                out,
                new JobControl());
        String text = out.text();
        assertThat(text).contains("got: Hello, mirror");
        assertThat(text)
                .containsPattern("action path ("
                        + java.util.regex.Pattern.quote(work.resolve(".actions/acme/hello") + "/")
                        + "[0-9a-f]{40}) \\1\n");
        assertThat(text).contains("in " + workspace);
        assertThat(o.result()).as(text).isEqualTo(JobState.FAILED);
        assertThat(o.reason()).contains("uses: 'acme/nope@v1'").contains("git file://" + mirror + "/acme/nope.git");
    }
}
