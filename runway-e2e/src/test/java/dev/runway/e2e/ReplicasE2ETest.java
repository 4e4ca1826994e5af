package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control-plane processes on one PostgreSQL database, agents attached to either: every job, submitted to
 * either replica, runs exactly once.
 */
class ReplicasE2ETest {
    @TempDir
    Path root;

    @Test
    void twoReplicasOnOnePostgresRunEveryJobExactlyOnce() throws Exception {
        try (TestDatabase db = new TestDatabase()) {
            replicas(db.url());
        }
    }

    private void replicas(String url) throws Exception {
        Path ran = root.resolve("ran.txt");
        try (Cluster a = new Cluster(root.resolve("a"), "--database-url", url).start();
                Cluster b = new Cluster(root.resolve("b"), "--database-url", url).start()) {
            a.startAgent("on-a-1", "linux", "--slots", "3");
            a.startAgent("on-a-2", "linux", "--slots", "3");
            b.startAgent("on-b-1", "linux", "--slots", "3");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Cluster via = i % 2 == 0 ? a : b;
                ids.add(via.api()
                        .submit(aJob("r" + i)
                                .step("s", "echo $RUNWAY_JOB_ID >> " + ran)
                                .build())
                        .id());
            }
            for (String id : ids) a.awaitState(id, JobState.SUCCEEDED, Duration.ofSeconds(60));
            Map<String, Long> counts = Files.readAllLines(ran).stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(counts.values()).allMatch(n -> n == 1);
            assertThat(ids.stream()
                            .map(id -> b.api().job(id).runnerName())
                            .distinct()
                            .count())
                    .as("work spread over runners")
                    .isGreaterThan(1);
        }
    }
}
