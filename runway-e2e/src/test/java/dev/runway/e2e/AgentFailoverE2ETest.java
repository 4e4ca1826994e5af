package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    /** Two replicas on one PostgreSQL: the one the agent uses dies mid-job; the job finishes as attempt 1 on the other. */
    @Test
    void aJobOutlivesTheReplicaItStartedOn() throws Exception {
        try (TestDatabase db = new TestDatabase();
                Cluster a = new Cluster(root.resolve("a"), "--database-url", db.url()).start();
                Cluster b = new Cluster(root.resolve("b"), "--database-url", db.url()).start()) {
            RunwayProcess agent = a.startAgentVia(a.url() + "," + b.url(), "both", "linux");
            JobView job = a.api()
                    .submit(aJob("outlives")
                            .labels("linux")
                            .step("s", "echo started; sleep 6; echo done")
                            .build());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> a.api().logs(job.id()).contains("started"));
            a.server().kill();
            JobView done = b.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            assertThat(done.attempt()).as("never retried").isEqualTo(1);
            assertThat(b.api().logs(job.id())).contains("started").contains("done");
            assertThat(agent.output()).contains("trying " + b.url() + " next");
        }
    }
}
