package dev.runway.server.http;

import static dev.runway.server.http.HttpApiTest.call;
import static dev.runway.server.http.HttpApiTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.Annotation;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobState;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.protocol.SecretView;
import dev.runway.protocol.StepResult;
import dev.runway.server.RunwayServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, on a real server over HTTP: workflow- and job-level env that use secrets reach the runner as templates
 * (with the secrets they name), and a completion that carries a secret value sent to the job, as a modified runner
 * could send it, is stored without it.
 */
class RunnerReportSecretsTest {
    static final String VALUE = "s3cr3t-Deploy-Value-77";
    static final String WORKFLOW = """
            on: workflow_dispatch
            env:
              WF_TOKEN: ${{ secrets.WF_SECRET }}
              PLAIN: plain-value
            jobs:
              build:
                runs-on: scrub-test
                env:
                  JOB_TOKEN: x-${{ secrets.JOB_SECRET }}
                  FROM_WF: ${{ env.WF_TOKEN }}
                  ALSO_PLAIN: ${{ github.event_name }}
                outputs:
                  out: ${{ steps.s.outputs.out }}
                steps:
                  - id: s
                    run: echo hi
            """;

    @TempDir
    static Path dir;

    static RunwayServer server;

    @BeforeAll
    static void start() {
        server = HttpApiTest.startTestServer(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void envSecretsReachTheRunnerAndAReportedSecretIsNeverStored() throws Exception {
        for (String name : List.of("WF_SECRET", "JOB_SECRET")) {
            HttpApiTest.Answer put = call(
                    server,
                    "PUT",
                    ApiPaths.SECRET.replace("{name}", name),
                    server.adminToken(),
                    json(new SecretView.SetRequest(VALUE + "\nsecond-line-" + name)));
            assertThat(put.status()).as(put.body()).isEqualTo(201);
        }
        String token = call(
                        server,
                        "POST",
                        ApiPaths.REGISTRATION_TOKENS,
                        server.adminToken(),
                        json(new dev.runway.protocol.RegistrationTokenRequest("5m", 1)))
                .as(dev.runway.protocol.RegistrationTokenView.class)
                .token();
        RegisterResponse runner = call(
                        server,
                        "POST",
                        ApiPaths.RUNNERS_REGISTER,
                        null,
                        json(new dev.runway.protocol.RegisterRequest(token, "r", List.of("scrub-test"), 1, "test")))
                .as(RegisterResponse.class);
        HttpApiTest.Answer started = call(
                server,
                "POST",
                ApiPaths.RUNS,
                server.adminToken(),
                json(new RunRequest(null, null, "ci.yml", WORKFLOW, null, Map.of())));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        RunView run = started.as(RunView.class);

        HttpApiTest.Answer next =
                call(server, "POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), json(new PollRequest(10)));
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        Assignment a = next.as(Assignment.class);
        // (a) the control plane cannot evaluate these: it leaves them to the runner and sends the secrets they name
        assertThat(a.secrets()).containsOnlyKeys("WF_SECRET", "JOB_SECRET");
        assertThat(a.spec().env())
                .containsEntry("PLAIN", "plain-value")
                .containsEntry("ALSO_PLAIN", "workflow_dispatch")
                .doesNotContainKeys("WF_TOKEN", "JOB_TOKEN", "FROM_WF");
        assertThat(a.spec().contexts().get("runway"))
                .isEqualTo(Map.of(
                        "secretEnv",
                        Map.of(
                                "workflow", Map.of("WF_TOKEN", "${{ secrets.WF_SECRET }}"),
                                "job",
                                        Map.of(
                                                "JOB_TOKEN", "x-${{ secrets.JOB_SECRET }}",
                                                "FROM_WF", "${{ env.WF_TOKEN }}"))));

        // (b), (c) a runner that reports the secret everywhere
        String line = "second-line-JOB_SECRET";
        CompleteRequest poisoned = new CompleteRequest(
                JobState.FAILED,
                "step 'deploy " + VALUE + "' exited with 1",
                List.of(
                        new StepResult("deploy " + VALUE, JobState.FAILED, 1, 10L, Map.of("tok", "a" + VALUE)),
                        new StepResult("ok", JobState.SUCCEEDED, 0, 10L, Map.of("fine", "kept", "l", line))),
                Map.of("out", "b" + VALUE, "safe", "kept-too", VALUE, "named after it"),
                List.of(new Annotation("warning", "m " + VALUE, "deploy " + VALUE, "t " + line, VALUE, 1, 2)));
        HttpApiTest.Answer done = call(
                server, "POST", ApiPaths.RUNNER_JOB_COMPLETE.replace("{id}", a.jobId()), a.jobToken(), json(poisoned));
        assertThat(done.status()).as(done.body()).isEqualTo(200);

        String job = call(server, "GET", ApiPaths.JOB.replace("{id}", a.jobId()), server.adminToken(), null)
                .body();
        String runBody = call(server, "GET", ApiPaths.RUN.replace("{id}", run.id()), server.adminToken(), null)
                .body();
        for (String body : List.of(job, runBody)) {
            assertThat(body)
                    .contains("deploy ***")
                    .contains("kept-too")
                    .contains("\"fine\":\"kept\"")
                    .contains("the control plane dropped job output 'out': it holds a secret value")
                    .contains("the control plane dropped step 'deploy ***' output 'tok'")
                    .doesNotContain(VALUE, line);
        }
        assertThat(database()).doesNotContain(VALUE, line);
    }

    @Test
    void secretsInServicesOrContainerFailTheJobInsteadOfBeingEmpty() throws Exception {
        String workflow = """
                on: workflow_dispatch
                jobs:
                  db:
                    runs-on: scrub-test-none
                    services:
                      pg:
                        image: postgres
                        env:
                          POSTGRES_PASSWORD: ${{ secrets.DB_PASSWORD }}
                    steps:
                      - run: echo hi
                """;
        HttpApiTest.Answer started = call(
                server,
                "POST",
                ApiPaths.RUNS,
                server.adminToken(),
                json(new RunRequest(null, null, "db.yml", workflow, null, Map.of())));
        assertThat(started.status()).as(started.body()).isEqualTo(201);
        String id = started.as(RunView.class).id();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(20))
                .untilAsserted(() -> {
                    RunView run = call(server, "GET", ApiPaths.RUN.replace("{id}", id), server.adminToken(), null)
                            .as(RunView.class);
                    assertThat(run.jobs()).singleElement().satisfies(j -> {
                        assertThat(j.state()).isEqualTo(JobState.FAILED);
                        assertThat(j.reason())
                                .contains("not supported by Runway: secrets.* in container: or services:");
                    });
                });
    }

    /** The database files' bytes, as a thief would copy them from the running server. */
    static String database() throws Exception {
        StringBuilder raw = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("runway.db"))
                    .toList()) raw.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
        }
        assertThat(raw).as("the database files").isNotEmpty();
        return raw.toString();
    }
}
