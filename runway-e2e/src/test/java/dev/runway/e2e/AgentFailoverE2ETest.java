package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `runway agent --url A,B`: with A down, a real agent registers with B and runs its jobs there. */
class AgentFailoverE2ETest {
    @TempDir
    Path root;

    @Test
    void anAgentWhoseFirstControlPlaneIsDownUsesTheNext() {
        try (Cluster c = new Cluster(root).start()) {
            String dead = "http://127.0.0.1:" + RunwayProcess.freePort();
            RunwayProcess agent = c.startAgentVia(dead + "," + c.url(), "failover", "linux");
            JobView job = c.api()
                    .submit(aJob("j").labels("linux").step("s", "echo ran").build());
            c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            assertThat(c.api().logs(job.id())).contains("ran");
            assertThat(agent.output()).contains(dead).contains("trying " + c.url() + " next");
        }
    }
}
