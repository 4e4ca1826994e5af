package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `runway agent` owns only the folder it creates in --work-dir: pointed at a directory with a user's files in it, a
 * real agent process starting against an unreachable control plane with a token that was never valid deletes none
 * of them; a folder named like the agent's that it did not create is refused with exit code 1 and a reason.
 */
class WorkDirOwnershipE2ETest {
    @TempDir
    Path root;

    @Test
    void startingAgainstAnUnreachableServerLeavesTheUsersFilesAlone() throws Exception {
        Path work = Files.createDirectories(root.resolve("project"));
        Path notes = Files.writeString(work.resolve("notes.txt"), "precious");
        Path dir = Files.createDirectories(work.resolve("build-7-1")); // named like a workspace
        Files.writeString(dir.resolve("out.txt"), "precious too");
        Files.createDirectories(work.resolve(".steps")); // named like the agent's step records
        Path steps = Files.writeString(work.resolve(".steps").resolve("note"), "mine");
        try (RunwayProcess agent = agent(work)) {
            agent.awaitOutput("cannot reach the control plane", Duration.ofSeconds(30));
            assertThat(notes).hasContent("precious");
            assertThat(dir.resolve("out.txt")).hasContent("precious too");
            assertThat(steps).hasContent("mine");
            assertThat(work.resolve("runway").resolve(".runway-agent"))
                    .content()
                    .contains("Runway agent");
        }
    }

    @Test
    void aFolderNamedLikeTheAgentsThatItDidNotCreateIsRefused() throws Exception {
        Path work = Files.createDirectories(root.resolve("project"));
        Path theirs = Files.createDirectories(work.resolve("runway"));
        Path file = Files.writeString(theirs.resolve("README"), "someone else's runway folder");
        try (RunwayProcess agent = agent(work)) {
            assertThat(agent.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(agent.output())
                    .contains(theirs.toString())
                    .contains("was not created by the Runway agent")
                    .contains("--work-dir")
                    .doesNotContain("Exception");
            assertThat(file).hasContent("someone else's runway folder");
        }
    }

    private RunwayProcess agent(Path work) {
        int closed = RunwayProcess.freePort(); // nothing listens there
        return RunwayProcess.start(
                root.resolve("logs"),
                "agent",
                Map.of(),
                List.of(
                        "agent",
                        "--url",
                        "http://127.0.0.1:" + closed,
                        "--token",
                        "rwr_never-a-valid-registration-token",
                        "--work-dir",
                        work.toString(),
                        "--credential-file",
                        root.resolve("credential.json").toString()));
    }
}
