package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent whose credential is half-way through its life rotates it on start: the file gets the new one, the runner
 * keeps its identity and takes jobs, the old credential works for the overlap only, and the audit log says so.
 */
class CredentialRotationE2ETest {
    @TempDir
    Path root;

    @Test
    void anAgentRotatesItsCredentialHalfWayThroughItsLife() throws Exception {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess first = c.startAgent("rot", "linux");
            Path file = root.resolve("agents/rot/credential.json");
            await("the credential is saved").atMost(Duration.ofSeconds(30)).until(() -> Files.exists(file));
            ObjectNode saved = (ObjectNode) Json.lenient().readTree(file.toFile());
            assertThat(Instant.parse(saved.get("expiresAt").asText()))
                    .isAfter(Instant.now().plus(Duration.ofDays(29)));
            first.terminate();
            assertThat(first.awaitExit(Duration.ofSeconds(30))).isZero();

            // the agent was away for 20 of the credential's 30 days
            String old = saved.get("credential").asText();
            saved.put("issuedAt", Instant.now().minus(Duration.ofDays(20)).toString());
            saved.put("expiresAt", Instant.now().plus(Duration.ofDays(10)).toString());
            Files.writeString(file, saved.toString());
            c.startAgent("rot", "linux");
            await("the credential is rotated")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !Json.lenient()
                            .readTree(file.toFile())
                            .get("credential")
                            .asText()
                            .equals(old));
            ObjectNode now = (ObjectNode) Json.lenient().readTree(file.toFile());
            assertThat(now.get("runnerId").asText())
                    .isEqualTo(saved.get("runnerId").asText());
            assertThat(now.get("credential").asText()).startsWith("rwc_");
            assertThat(Files.getPosixFilePermissions(file))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

            JobView job = c.api()
                    .submit(aJob("after-rotation")
                            .labels("linux")
                            .step("s", "echo ok")
                            .build());
            c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            assertThat(c.api().runners().runners())
                    .filteredOn(r -> r.name().equals("rot"))
                    .hasSize(1);

            // the old credential still works in the overlap; rotating with it is refused
            Api.Response poll = c.api().call("POST", ApiPaths.RUNNER_JOBS_NEXT, old, "application/json", new byte[0]);
            assertThat(poll.status()).as(poll.body()).isIn(200, 204);
            Api.Response again = c.api().call("POST", ApiPaths.RUNNER_CREDENTIAL, old, "application/json", new byte[0]);
            assertThat(again.status()).isEqualTo(409);

            RunwayProcess audit = c.cli("audit", "ls", "--kind", "runner.credential");
            assertThat(audit.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(audit.output()).contains("runner.credential-rotated").doesNotContain(old);
        }
    }
}
