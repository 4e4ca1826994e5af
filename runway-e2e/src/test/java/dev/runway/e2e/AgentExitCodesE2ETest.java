package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.RunnerView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit codes docs/agent.md promises, from real `runway agent` processes: 1 when registration is refused, 2 when
 * the runner was deleted under a running agent; and the size forms docs/configuration.md lists are accepted.
 */
class AgentExitCodesE2ETest {
    @TempDir
    Path root;

    @Test
    void aRefusedRegistrationExitsOne() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent = RunwayProcess.start(
                    root.resolve("logs"),
                    "agent-refused",
                    Map.of(),
                    List.of(
                            "agent",
                            "--url",
                            c.url(),
                            "--token",
                            "rwr_not-a-registration-token-at-all",
                            "--work-dir",
                            root.resolve("refused/work").toString(),
                            "--credential-file",
                            root.resolve("refused/credential.json").toString()));
            assertThat(agent.awaitExit(Duration.ofSeconds(30)))
                    .as(agent.output())
                    .isEqualTo(1);
            assertThat(agent.output()).contains("registration refused").doesNotContain("\tat ");
        }
    }

    @Test
    void anAgentWhoseRunnerIsDeletedExitsTwo() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess agent = c.startAgent("doomed", "linux", "--min-free-disk", "5MiB");
            RunnerView r = c.api().runners().runners().stream()
                    .filter(x -> x.name().equals("doomed"))
                    .findFirst()
                    .orElseThrow();
            RunwayProcess rm = c.cli("runners", "rm", r.id());
            assertThat(rm.awaitExit(Duration.ofSeconds(30))).as(rm.output()).isZero();
            assertThat(agent.awaitExit(Duration.ofSeconds(60)))
                    .as(agent.output())
                    .isEqualTo(2);
            assertThat(agent.output()).contains("rejected this runner's credential");
        }
    }

    @Test
    void sizeOptionsAcceptEveryDocumentedForm() {
        try (Cluster c = new Cluster(root).start()) {
            for (String size : List.of("5m", "5MiB", "5MB", "5mb", "1.5g")) {
                RunwayProcess agent = c.startAgent("sized-" + size.replace('.', '_'), "linux", "--min-free-disk", size);
                assertThat(agent.isAlive()).as(size + ":\n" + agent.output()).isTrue();
                agent.close();
            }
        }
    }
}
