package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's data directory on a real, small file system (a tmpfs), filled up by a file outside the store
 * while the server runs: writes are answered 503 with words an operator can act on (never 500), /healthz says
 * "disk full", the server's log says so a few times instead of once per request as "cannot commit - no transaction
 * is active", and everything works again once space is freed. Needs root to mount; under CI=true it must run.
 */
class ServerDiskFullE2ETest {
    @TempDir
    Path root;

    SmallDisk disk;

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) disk.close();
    }

    @Test
    void aFullDiskIsReportedAsSuchAndNothingIsLostOnceSpaceIsFreed() throws Exception {
        Cluster c = new Cluster(root);
        disk = SmallDisk.mount(c.dataDir(), "24m");
        try (c) {
            c.start();
            c.startAgent("a", "linux");
            JobView before = c.api()
                    .submit(aJob("before")
                            .labels("linux")
                            .step("s", "echo before")
                            .build());
            c.awaitState(before.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));

            Path filler = c.dataDir().resolve("filler"); // not the store's: an operator's mistake, another process
            SmallDisk.fill(filler);
            Api.Response refused = c.api()
                    .json(
                            "POST",
                            ApiPaths.JOBS,
                            c.adminToken(),
                            aJob("during").labels("linux").step("s", "echo x").build());
            // a 201 is possible while SQLite still has room in pages it holds; keep writing until the disk bites
            for (int i = 0; i < 50 && refused.status() == 201; i++)
                refused = c.api()
                        .json(
                                "POST",
                                ApiPaths.JOBS,
                                c.adminToken(),
                                aJob("during-" + i)
                                        .labels("linux")
                                        .step("s", "echo " + "x".repeat(4000))
                                        .build());
            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.body()).contains("disk is full").doesNotContain("Exception");

            Api.Response health = c.api().call("GET", ApiPaths.HEALTH, null, null, null);
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.body()).contains("disk full");
            String log = c.server().output();
            assertThat(log).contains("disk full").doesNotContain("no transaction is active");

            Files.delete(filler);
            await("healthy again once space is freed")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> c.api()
                                    .call("GET", ApiPaths.HEALTH, null, null, null)
                                    .status()
                            == 200);
            JobView after = c.api()
                    .submit(aJob("after")
                            .labels("linux")
                            .step("s", "echo after")
                            .build());
            c.awaitState(after.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            assertThat(c.api().logs(after.id())).contains("after");
            long lines = c.server()
                    .output()
                    .lines()
                    .filter(l -> l.contains("disk full"))
                    .count();
            assertThat(lines).as("said a few times, not once per request").isBetween(1L, 10L);
        }
    }
}
