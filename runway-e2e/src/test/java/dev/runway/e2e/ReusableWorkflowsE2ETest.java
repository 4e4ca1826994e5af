package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobView;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reusable workflows run by a real control plane and agent from a real git repository: a matrix caller whose legs
 * each run the callee's jobs with typed inputs from the caller's needs and matrix, only the secret mapped to them
 * (masked), a nested call that inherits it, outputs back to the caller's dependents; a call with {@code secrets:
 * inherit}, a call skipped by its {@code if}; remote callees from the local store and from a git repository the
 * server knows; a remote callee that cannot be read refuses the run with a 400 naming it. Each job echoes what it
 * got; the test compares those lines exactly.
 */
class ReusableWorkflowsE2ETest {
    static final String CI = """
            name: Calls
            on: push
            env:
              CALLER_ENV: from-caller
            jobs:
              prep:
                runs-on: linux
                outputs:
                  target: ${{ steps.t.outputs.target }}
                steps:
                  - id: t
                    run: echo "target=staging" >> "$GITHUB_OUTPUT"
              deploy:
                needs: prep
                strategy:
                  matrix:
                    region: [eu, us]
                uses: ./.github/workflows/deploy.yml
                with:
                  target: ${{ needs.prep.outputs.target }}
                  region: ${{ matrix.region }}
                  replicas: 3
                  dry-run: true
                secrets:
                  token: ${{ secrets.DEPLOY_KEY }}
              inherited:
                uses: ./.github/workflows/leaf.yml
                with:
                  who: top
                secrets: inherit
              skipped:
                if: github.ref == 'refs/heads/nope'
                uses: ./.github/workflows/leaf.yml
              remote:
                uses: acme/templates/.github/workflows/lint.yml@v1
                with:
                  level: 2
              mirrored:
                uses: acme/shared/.github/workflows/hello.yml@main
              report:
                needs: [deploy, remote, mirrored]
                runs-on: linux
                steps:
                  - run: echo "OUT report url=${{ needs.deploy.outputs.url }} result=${{ needs.deploy.result }} lint=${{ needs.remote.outputs.verdict }}"
            """;

    static final String DEPLOY = """
            on:
              workflow_call:
                inputs:
                  target: {type: string, required: true}
                  region: {type: string, required: true}
                  replicas: {type: number, default: 1}
                  dry-run: {type: boolean, default: false}
                secrets:
                  token: {required: false}
                outputs:
                  url:
                    value: ${{ jobs.release.outputs.url }}
            env:
              CALLEE_ENV: from-callee
            jobs:
              check:
                runs-on: linux
                steps:
                  - run: echo "OUT check ${{ inputs.target }}/${{ inputs.region }} replicas=${{ inputs.replicas }} dry=${{ inputs.dry-run }} typed=${{ inputs.replicas == 3 && inputs.dry-run == true }}"
                  - run: echo "OUT secrets token=${{ secrets.token }} deploy-key=[${{ secrets.DEPLOY_KEY }}] env=$CALLEE_ENV/[$CALLER_ENV] job=${{ github.job }}"
              release:
                needs: check
                runs-on: linux
                outputs:
                  url: ${{ steps.u.outputs.url }}
                steps:
                  - id: u
                    run: echo "url=https://${{ inputs.region }}.example/${{ inputs.target }}" >> "$GITHUB_OUTPUT"
              nested:
                needs: check
                uses: ./.github/workflows/leaf.yml
                with:
                  who: ${{ inputs.region }}
                secrets: inherit
            """;

    static final String LEAF = """
            on:
              workflow_call:
                inputs:
                  who: {type: string}
            jobs:
              hello:
                runs-on: linux
                steps:
                  - run: echo "OUT leaf who=${{ inputs.who }} token=[${{ secrets.token }}] deploy-key=[${{ secrets.DEPLOY_KEY }}]"
            """;

    static final String LINT = """
            on:
              workflow_call:
                inputs:
                  level: {type: number, required: true}
                outputs:
                  verdict: {value: "${{ jobs.lint.outputs.verdict }}"}
            jobs:
              lint:
                runs-on: linux
                outputs:
                  verdict: ${{ steps.v.outputs.verdict }}
                steps:
                  - id: v
                    run: echo "verdict=clean-at-${{ inputs.level }}" >> "$GITHUB_OUTPUT"
                  - run: echo "OUT lint level=${{ inputs.level }}"
            """;

    static final String HELLO = """
            on: workflow_call
            jobs:
              hi:
                runs-on: linux
                steps:
                  - run: echo "OUT hello from a mirror"
            """;

    static final String DEPLOY_KEY = "deploy-key-0123456789";

    @TempDir
    Path root;

    @Test
    void callsRunAsTheCalleesJobsWithInputsSecretsAndOutputs() throws Exception {
        Path repo = Files.createDirectories(root.resolve("acme").resolve("app"));
        commit(
                repo,
                Map.of(
                        ".github/workflows/ci.yml", CI,
                        ".github/workflows/deploy.yml", DEPLOY,
                        ".github/workflows/leaf.yml", LEAF));
        Path shared = Files.createDirectories(root.resolve("mirror").resolve("shared"));
        commit(shared, Map.of(".github/workflows/hello.yml", HELLO));
        Path secretFile = Files.writeString(root.resolve("webhook-secret"), "s3cret-for-webhooks");
        try (Cluster c = new Cluster(
                        root.resolve("cluster"),
                        "--github-webhook-secret-file",
                        secretFile.toString(),
                        "--github-repo",
                        "acme/shared=" + shared)
                .start()) {
            // a remote callee in the server's local store of actions, as `runway actions sync` leaves it
            Path lint = c.dataDir().resolve("actions/acme/templates/v1/.github/workflows/lint.yml");
            Files.createDirectories(lint.getParent());
            Files.writeString(lint, LINT);
            SecretsE2ETest.ok(c.cliWithInput(
                    Files.writeString(root.resolve("key.txt"), DEPLOY_KEY), "secrets", "set", "DEPLOY_KEY"));
            c.startAgent("w1", "linux");

            RunView started = c.api()
                    .startRun(new RunRequest(
                            repo.toString(), "main", ".github/workflows/ci.yml", null, "push", Map.of()));
            RunView run = await().atMost(Duration.ofSeconds(120))
                    .until(() -> c.api().run(started.id()), r -> r.state().isTerminal());
            Map<String, String> states = new TreeMap<>();
            for (JobView j : run.jobs()) states.put(j.name(), j.state().wireName());
            assertThat(states)
                    .as(c.outputs())
                    .isEqualTo(new TreeMap<>(Map.ofEntries(
                            Map.entry("prep", "succeeded"),
                            Map.entry("deploy (eu) / check", "succeeded"),
                            Map.entry("deploy (eu) / release", "succeeded"),
                            Map.entry("deploy (eu) / nested / hello", "succeeded"),
                            Map.entry("deploy (us) / check", "succeeded"),
                            Map.entry("deploy (us) / release", "succeeded"),
                            Map.entry("deploy (us) / nested / hello", "succeeded"),
                            Map.entry("inherited / hello", "succeeded"),
                            Map.entry("skipped", "skipped"),
                            Map.entry("remote / lint", "succeeded"),
                            Map.entry("mirrored / hi", "succeeded"),
                            Map.entry("report", "succeeded"))));
            assertThat(run.state().wireName()).isEqualTo("succeeded");
            assertThat(SecretsE2ETest.job(run, "deploy (us) / nested / hello").key())
                    .isEqualTo("deploy[1]/nested/hello");
            assertThat(SecretsE2ETest.job(run, "remote / lint").key()).isEqualTo("remote/lint");

            assertThat(out(c, run, "deploy (eu) / check"))
                    .containsExactly(
                            "OUT check staging/eu replicas=3 dry=true typed=true",
                            "OUT secrets token=*** deploy-key=[] env=from-callee/[] job=check");
            assertThat(out(c, run, "deploy (us) / check"))
                    .containsExactly(
                            "OUT check staging/us replicas=3 dry=true typed=true",
                            "OUT secrets token=*** deploy-key=[] env=from-callee/[] job=check");
            assertThat(out(c, run, "deploy (eu) / nested / hello"))
                    .containsExactly("OUT leaf who=eu token=[***] deploy-key=[]");
            assertThat(out(c, run, "inherited / hello")).containsExactly("OUT leaf who=top token=[] deploy-key=[***]");
            assertThat(out(c, run, "remote / lint")).containsExactly("OUT lint level=2");
            assertThat(out(c, run, "mirrored / hi")).containsExactly("OUT hello from a mirror");
            assertThat(out(c, run, "report"))
                    .containsExactly("OUT report url=https://us.example/staging result=success lint=clean-at-2");
            for (JobView j : run.jobs()) assertThat(c.api().logs(j.id())).doesNotContain(DEPLOY_KEY);

            // a remote callee that none of the sources has: the run is refused, naming it
            Api.Response refused = c.api()
                    .json(
                            "POST",
                            dev.runway.protocol.ApiPaths.RUNS,
                            c.adminToken(),
                            new RunRequest(
                                    repo.toString(),
                                    "main",
                                    ".github/workflows/other.yml",
                                    "on: push\njobs:\n  x:\n    uses: acme/missing/.github/workflows/x.yml@v9\n",
                                    "push",
                                    Map.of()));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body())
                    .contains("cannot read the called workflow 'acme/missing/.github/workflows/x.yml@v9'")
                    .contains("no git URL for acme/missing")
                    .doesNotContain("Exception");
        }
    }

    static final String WAIT = """
            on:
              workflow_call:
                inputs:
                  flag: {type: string, required: true}
            jobs:
              slow:
                runs-on: linux
                steps:
                  - run: while [ ! -f "${{ inputs.flag }}" ]; do sleep 0.05; done; echo "OUT slow done"
              quick:
                runs-on: linux
                steps:
                  - run: echo "OUT quick done"
            """;

    static final String GROUPED = """
            on:
              workflow_dispatch:
                inputs:
                  flag: {required: true}
            jobs:
              call:
                concurrency:
                  group: calls-${{ github.ref_name }}
                  cancel-in-progress: true
                uses: ./.github/workflows/wait.yml
                with:
                  flag: ${{ inputs.flag }}
            """;

    /**
     * {@code concurrency} on a calling job: the call's jobs join the group and never cancel one another (they run
     * one at a time, the runner's free slots notwithstanding); a newer run's call cancels the one in progress.
     */
    @Test
    void aCallersConcurrencyGroupHoldsItsCallsJobs() throws Exception {
        Path repo = Files.createDirectories(root.resolve("grouped"));
        commit(repo, Map.of(".github/workflows/grouped.yml", GROUPED, ".github/workflows/wait.yml", WAIT));
        try (Cluster c = new Cluster(root.resolve("cluster")).start()) {
            c.startAgent("w1", "linux", "--slots", "3");
            RunView first = c.api()
                    .startRun(new RunRequest(
                            repo.toString(),
                            "main",
                            ".github/workflows/grouped.yml",
                            null,
                            null,
                            Map.of("flag", root.resolve("never").toString())));
            await().atMost(Duration.ofSeconds(30)).until(() -> state(c, first.id(), "call / slow"), "running"::equals);
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> state(c, first.id(), "call / quick"), "queued"::equals);

            Path flag = Files.writeString(root.resolve("flag-2"), "go");
            RunView second = c.api()
                    .startRun(new RunRequest(
                            repo.toString(),
                            "main",
                            ".github/workflows/grouped.yml",
                            null,
                            null,
                            Map.of("flag", flag.toString())));
            RunView done = await().atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().run(second.id()), r -> r.state().isTerminal());
            assertThat(done.state().wireName()).as(c.outputs()).isEqualTo("succeeded");
            assertThat(out(c, done, "call / slow")).containsExactly("OUT slow done");
            assertThat(out(c, done, "call / quick")).containsExactly("OUT quick done");
            RunView cancelled = await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(first.id()), r -> r.state().isTerminal());
            assertThat(cancelled.state().wireName()).isEqualTo("cancelled");
            for (JobView j : cancelled.jobs()) {
                assertThat(j.state().wireName()).as(j.name()).isEqualTo("cancelled");
                assertThat(j.reason()).contains("joined concurrency group 'calls-main'");
            }
        }
    }

    static String state(Cluster c, String runId, String name) {
        return c.api().run(runId).jobs().stream()
                .filter(j -> j.name().equals(name))
                .map(j -> j.state().wireName())
                .findFirst()
                .orElse("");
    }

    /** The lines a job echoed ({@code OUT ...}), in order. */
    static List<String> out(Cluster c, RunView run, String name) {
        JobView j = SecretsE2ETest.job(run, name);
        return c.api().logs(j.id()).lines().filter(l -> l.startsWith("OUT ")).toList();
    }

    static void commit(Path repo, Map<String, String> files) throws Exception {
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        for (var f : files.entrySet()) {
            Path p = repo.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(
                repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "workflows");
    }
}
