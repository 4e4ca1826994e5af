package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runway.protocol.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control-plane processes on one PostgreSQL database, agents attached to either: every job, submitted to
 * either replica, runs exactly once.
 */
class ReplicasE2ETest {
    static final String PG_ADMIN =
            System.getenv().getOrDefault("RUNWAY_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    @TempDir
    Path root;

    @Test
    void twoReplicasOnOnePostgresRunEveryJobExactlyOnce() throws Exception {
        String db =
                "runway_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection c = DriverManager.getConnection(PG_ADMIN);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        } catch (Exception e) {
            if ("true".equals(System.getenv("CI")))
                throw new AssertionError("PostgreSQL required under CI=true: " + e.getMessage(), e);
            assumeTrue(false, "PostgreSQL not reachable at " + PG_ADMIN + "; skipped outside CI");
        }
        String url = PG_ADMIN.replaceFirst("/[^/?]+(\\?|$)", "/" + db + "$1");
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
        } finally {
            try (Connection c = DriverManager.getConnection(PG_ADMIN);
                    Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        }
    }
}
