package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.TestEngine;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Docker action ({@code runs.using: docker}) from a git mirror, in a workflow on a shell-executor agent process
 * and then on a container-executor one (beside the job's container, on the same engine): the first agent builds the action's Dockerfile through the engine (Podman's Docker API in CI) for the first job and
 * reuses the image for the next, the action's output reaches a later step and the job's outputs, and no container
 * of the jobs stays in the engine. Skipped without an engine, failed instead under CI=true.
 */
class DockerActionsE2ETest {
    static ContainerEngine engine;

    @TempDir
    Path root;

    @BeforeAll
    static void engine() throws Exception {
        engine = TestEngine.require();
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    static final String ACTION = """
            name: shout
            inputs:
              word:
                required: true
            outputs:
              loud:
                description: the word, loud
            runs:
              using: docker
              image: Dockerfile
              args: ["${{ inputs.word }}"]
            """;

    static final String WORKFLOW = """
            name: docker
            on: push
            jobs:
              first:
                runs-on: linux
                outputs:
                  loud: ${{ steps.shout.outputs.loud }}
                steps:
                  - id: shout
                    uses: acme/shout@v1
                    with:
                      word: hello
                  - run: echo "later step saw '${{ steps.shout.outputs.loud }}' and $(cat shouted.txt)"
              second:
                needs: first
                runs-on: boxed
                steps:
                  - uses: acme/shout@v1
                    with:
                      word: again
                  - run: echo "the job container sees $(cat shouted.txt)"
            """;

    @Test
    void aDockerActionFromAGitMirrorIsBuiltOnceRunsAndLeavesNoContainer() throws Exception {
        Path mirror = root.resolve("mirror");
        Path action = Files.createDirectories(mirror.resolve("acme/shout.git"));
        WorkflowRunsE2ETest.git(action, "init", "-q", "-b", "main");
        Files.writeString(action.resolve("action.yml"), ACTION);
        // the nonce makes this run's image new, so the first job builds it
        Files.writeString(action.resolve("Dockerfile"), """
                FROM %s
                COPY entrypoint.sh /entrypoint.sh
                LABEL nonce=%s
                ENTRYPOINT ["/entrypoint.sh"]
                """.formatted(TestEngine.IMAGE, UUID.randomUUID()));
        Path entrypoint = action.resolve("entrypoint.sh");
        Files.writeString(entrypoint, """
                #!/bin/sh
                loud=$(echo "$1" | tr a-z A-Z)
                echo "shouting $1 in $(pwd)"
                echo "loud=$loud!" >> "$GITHUB_OUTPUT"
                echo "$loud" > shouted.txt
                """);
        Files.setPosixFilePermissions(entrypoint, PosixFilePermissions.fromString("rwxr-xr-x"));
        commit(action);
        WorkflowRunsE2ETest.git(action, "tag", "v1");

        Path repo = Files.createDirectories(root.resolve("repo"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/docker.yml"), WORKFLOW);
        commit(repo);

        String image = null;
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux", "--actions-git-base", "file://" + mirror);
            // the second job runs in a job container: its Docker action runs beside it on the same engine
            c.startAgent(
                    "c1",
                    "boxed",
                    "--executor",
                    "container",
                    "--image",
                    TestEngine.IMAGE,
                    "--actions-git-base",
                    "file://" + mirror);
            RunwayProcess cli = c.cli("submit", "-w", ".github/workflows/docker.yml", "--repo", repo.toString(), "-f");
            cli.awaitExit(Duration.ofSeconds(180));
            RunView run =
                    c.api().run(cli.output().lines().findFirst().orElseThrow().strip());
            Map<String, JobView> jobs = run.jobs().stream().collect(Collectors.toMap(JobView::name, j -> j));

            JobView first = jobs.get("first");
            String log = c.api().logs(first.id());
            Matcher built = Pattern.compile("building image (localhost/runway-action:[0-9a-f]+)")
                    .matcher(log);
            if (built.find()) image = built.group(1);
            assertThat(first.state()).as(log).isEqualTo(JobState.SUCCEEDED);
            assertThat(image).as(log).isNotNull();
            assertThat(log)
                    .contains("shouting hello in /github/workspace")
                    .contains("later step saw 'HELLO!' and HELLO");
            assertThat(first.outputs()).containsEntry("loud", "HELLO!");

            JobView second = jobs.get("second");
            String log2 = c.api().logs(second.id());
            assertThat(second.state()).as(log2).isEqualTo(JobState.SUCCEEDED);
            assertThat(log2)
                    .contains("using image " + image)
                    .doesNotContain("building image")
                    .contains("shouting again")
                    .contains("the job container sees AGAIN");

            for (JobView j : run.jobs()) {
                assertThat(engine.containers(Map.of(ContainerEngine.LABEL_JOB, j.id() + "-1")))
                        .as("containers of job " + j.name() + " left in the engine")
                        .isEmpty();
            }
        } finally {
            if (image != null) engine.removeImage(image);
        }
    }

    private static void commit(Path dir) throws Exception {
        WorkflowRunsE2ETest.git(dir, "add", "-A");
        WorkflowRunsE2ETest.git(
                dir, "-c", "user.email=test@runway.dev", "-c", "user.name=test", "commit", "-q", "-m", "files");
    }
}
