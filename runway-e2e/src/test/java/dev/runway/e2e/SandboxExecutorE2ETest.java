package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `runway agent --executor sandbox` as its own process with the real bubblewrap: a job cannot read the agent's
 * credential, see host processes or reach the network (--no-network). Skipped without bwrap, except under CI=true.
 */
class SandboxExecutorE2ETest {
    @TempDir
    Path root;

    @Test
    void aSandboxedJobCannotReachTheRunnersCredentialHostProcessesOrNetwork() {
        boolean bwrap = Files.isExecutable(Path.of("/usr/bin/bwrap"));
        if (!bwrap && "true".equals(System.getenv("CI")))
            throw new AssertionError("bubblewrap (bwrap) is missing; under CI=true the sandbox tests must run");
        assumeTrue(bwrap, "bubblewrap (bwrap) is not installed: sandbox test skipped");
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("boxed", "linux", "--executor", "sandbox", "--no-network");
            Path credential = root.resolve("agents/boxed/credential.json");
            JobView job = c.api()
                    .submit(aJob("probe")
                            .step(
                                    "probe",
                                    String.join(
                                            "\n",
                                            "cat " + credential + " 2>/dev/null && echo CREDENTIAL-READ"
                                                    + " || echo credential hidden",
                                            "echo processes=$(ls /proc | grep -c '^[0-9]')",
                                            "(exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo NETWORK-REACHED"
                                                    + " || echo no network",
                                            "echo done > result.txt && cat result.txt"))
                            .build());
            JobView done = c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            String log = c.api().logs(done.id());
            assertThat(log)
                    .contains("credential hidden", "no network", "done")
                    .doesNotContain("CREDENTIAL-READ", "NETWORK-REACHED");
            int processes = Integer.parseInt(log.replaceAll("(?s).*processes=(\\d+).*", "$1"));
            assertThat(processes).isLessThan(10);
        }
    }

    @Test
    void anUnknownExecutorIsRefusedWithAMessage() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess p = c.cli("agent", "--url", c.url(), "--executor", "vm");
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(p.output()).contains("'vm' is not an executor (use shell, sandbox or container)");
        }
    }
}
