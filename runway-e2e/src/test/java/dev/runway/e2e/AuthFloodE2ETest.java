package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane and a real agent (separate processes, one address): a flood of bad tokens of every kind from
 * that address does not stop the agent heartbeating and completing its job (a lease of 3 s, a job of 8 s: one refused
 * heartbeat round would lose it), and what the processes wrote to disk is their user's alone.
 */
class AuthFloodE2ETest {
    @TempDir
    Path root;

    @Test
    void aRunnerHeartbeatsAndCompletesItsJobThroughAFloodOfBadTokensFromItsAddress() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService flood = Executors.newFixedThreadPool(3);
        try (Cluster cluster = new Cluster(root, "--lease-timeout", "3s", "--heartbeat-interval", "1s").start()) {
            cluster.startAgent("flooded", "flood");
            JobView job = cluster.api()
                    .submit(aJob("through-the-flood")
                            .labels("flood")
                            .step("work", "sleep 8; echo done")
                            .maxAttempts(2)
                            .build());
            HttpClient http = HttpClient.newHttpClient();
            AtomicInteger sent = new AtomicInteger();
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            String[] targets = {
                "GET " + ApiPaths.JOBS,
                "POST " + ApiPaths.RUNNER_JOBS_NEXT,
                "POST " + ApiPaths.withId(ApiPaths.RUNNER_JOB_HEARTBEAT, job.id()),
                "POST " + ApiPaths.withId(ApiPaths.RUNNER_JOB_COMPLETE, job.id())
            };
            String[] prefixes = {"rwa_", "rwc_", "rwj_", "rwj_"};
            for (int t = 0; t < 3; t++) {
                flood.submit(() -> {
                    while (!stop.get()) {
                        int n = sent.incrementAndGet();
                        String[] target = targets[n % targets.length].split(" ");
                        HttpRequest r = HttpRequest.newBuilder(URI.create(cluster.url() + target[1]))
                                .header("Authorization", "Bearer " + prefixes[n % prefixes.length] + "bogus" + n)
                                .method(target[0], HttpRequest.BodyPublishers.ofString("{}"))
                                .timeout(Duration.ofSeconds(10))
                                .build();
                        statuses.merge(
                                http.send(r, HttpResponse.BodyHandlers.discarding())
                                        .statusCode(),
                                1,
                                Integer::sum);
                    }
                    return null;
                });
            }
            await("the flood is refused with 429")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> statuses.containsKey(429));

            // the log spool of the running job is the agent's user's alone
            Path spool = cluster.workspaces("flooded").resolve(".spool");
            await("the job runs").atMost(Duration.ofSeconds(30)).until(() -> {
                if (!Files.isDirectory(spool)) return false;
                try (Stream<Path> files = Files.list(spool)) {
                    return files.findAny().isPresent();
                }
            });
            try (Stream<Path> files = Files.list(spool)) {
                for (Path f : files.toList())
                    assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
            }

            JobView done = cluster.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(60));
            stop.set(true);
            assertThat(done.attempt()).as("ran once: its lease never expired").isEqualTo(1);
            assertThat(cluster.api().logs(job.id())).contains("done");
            assertThat(statuses.keySet()).as("flood answers %s", statuses).containsOnly(401, 429);
            assertThat(sent.get()).isGreaterThan(100);

            Path data = cluster.dataDir();
            assertThat(mode(data)).isEqualTo("rwx------");
            for (String f : new String[] {"runway.db", "runway.db-wal", "runway.db-shm", "master.key", "admin-token"})
                assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
            assertThat(mode(root.resolve("agents/flooded/credential.json"))).isEqualTo("rw-------");
        } finally {
            stop.set(true);
            flood.shutdownNow();
        }
    }

    static String mode(Path p) throws java.io.IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
