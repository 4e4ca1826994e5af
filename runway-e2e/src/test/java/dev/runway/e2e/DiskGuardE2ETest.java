package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.RunnerView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk guard on a real, small file system (a 64 MiB tmpfs mounted as the agent's work directory): below
 * --min-free-disk the runner takes no jobs, shows as unhealthy with the reason in `runway runners`, removes stale
 * workspaces, and takes the queued job once space is freed. What the work directory held before the agent came (a
 * user's files, even one named like a workspace) survives start-up, the clean-up and the job: the agent deletes only
 * in its own folder. Needs root to mount; under CI=true it must run.
 */
class DiskGuardE2ETest {
    @TempDir
    Path root;

    SmallDisk disk;

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) disk.close();
    }

    @Test
    void aRunnerShortOfDiskTakesNoJobsSaysWhyAndResumesWhenSpaceReturns() throws Exception {
        try (Cluster c = new Cluster(root).start()) {
            Path home = c.workDir("tight").getParent(); // work dir, credential and the filler on one small disk
            disk = SmallDisk.mount(home, "64m");
            Path filler = home.resolve("filler"); // outside the work dir: the agent does not own it
            Files.write(filler, new byte[44 << 20]);
            Path work = Files.createDirectories(c.workDir("tight"));
            Path notes = Files.writeString(work.resolve("notes.txt"), "the user's own file");
            Path lookalike = Files.createDirectories(work.resolve("job-mine-1")); // named like a workspace
            Files.writeString(lookalike.resolve("keep.txt"), "also the user's");
            Path hidden = Files.createDirectories(work.resolve(".spool"));
            Files.writeString(hidden.resolve("x-1.log"), "a user's log, named like a spool file");

            c.startAgent("tight", "linux", "--min-free-disk", "32m");
            await("the runner reports itself unhealthy")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> runner(c).state().equals("unhealthy"));
            assertThat(runner(c).unhealthyReason()).contains("low disk space").contains("below the minimum of 32 MiB");
            Path stale = Files.createDirectories(c.workspaces("tight").resolve("job-old-1"));
            Files.write(stale.resolve("big.bin"), new byte[1 << 20]);
            await("a stale workspace is cleaned up while space is short")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !Files.exists(stale));
            RunwayProcess ls = c.cli("runners");
            assertThat(ls.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(ls.output()).contains("unhealthy").contains("low disk space");

            JobView job = c.api()
                    .submit(aJob("waits").labels("linux").step("s", "echo ran").build());
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> c.api().job(job.id()).state() == JobState.QUEUED);

            Files.delete(filler);
            c.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
            assertThat(runner(c).unhealthyReason()).isNull();
            assertThat(runner(c).state()).isIn("idle", "busy");
            assertThat(notes).hasContent("the user's own file");
            assertThat(lookalike.resolve("keep.txt")).hasContent("also the user's");
            assertThat(hidden.resolve("x-1.log")).exists();
        }
    }

    private static RunnerView runner(Cluster c) {
        return c.api().runners().runners().stream()
                .filter(r -> r.name().equals("tight"))
                .findFirst()
                .orElseThrow();
    }
}
