package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server and agent as separate processes with {@code --log-format json}: every log line is a JSON object with ids. */
class JsonLogsE2ETest {
    @TempDir
    static Path root;

    static Cluster cluster;
    static RunwayProcess agent;

    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startCluster() {
        cluster = new Cluster(root).logFormat("json").start();
        agent = cluster.startAgent("json", "linux");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    @Test
    void everyLineIsJsonAndJobLinesCarryTheirIds() {
        JobView job =
                cluster.api().submit(aJob("json-logs").step("hi", "echo hi").build());
        JobView done;
        try {
            done = cluster.awaitState(job.id(), JobState.SUCCEEDED, Duration.ofSeconds(30));
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + cluster.outputs(), e);
        }
        String runnerId = done.runnerId();
        assertThat(runnerId).isNotBlank();

        // the agent logs the job's end after its completion call, the server its claim and finish
        await("the job's lines in both logs").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(lines(cluster.server().stderr(), "server"))
                    .as("server lines:\n%s", cluster.server().stderr())
                    .anySatisfy(l -> {
                        assertThat(text(l, "job_id")).isEqualTo(job.id());
                        assertThat(text(l, "runner_id")).isEqualTo(runnerId);
                        assertThat(text(l, "message")).contains("finished");
                    });
            assertThat(lines(agent.stderr(), "agent"))
                    .as("agent lines:\n%s", agent.stderr())
                    .anySatisfy(l -> {
                        assertThat(text(l, "job_id")).isEqualTo(job.id());
                        assertThat(text(l, "attempt")).isEqualTo("1");
                        assertThat(text(l, "runner_id")).isEqualTo(runnerId);
                        assertThat(text(l, "message")).contains("finished: succeeded");
                    });
        });
        // the agent's lifetime lines (e.g. "ready") carry its runner id too
        assertThat(lines(agent.stderr(), "agent"))
                .anySatisfy(l -> assertThat(text(l, "message")).contains("ready"))
                .filteredOn(l -> text(l, "message").contains("ready"))
                .allSatisfy(l -> assertThat(text(l, "runner_id")).isEqualTo(runnerId));
    }

    /** Every non-empty line parsed; fails on the first that is not a JSON log object. */
    static List<JsonNode> lines(String log, String who) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError(who + " wrote a line that is not JSON: " + line, e);
            }
            assertThat(n.isObject()).as("%s line %s", who, line).isTrue();
            assertThat(n.path("ts").asText())
                    .as("%s line %s", who, line)
                    .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            for (String field : List.of("level", "logger", "thread", "message"))
                assertThat(n.has(field))
                        .as("%s line %s has %s", who, line, field)
                        .isTrue();
            out.add(n);
        }
        assertThat(out).as("%s logged nothing", who).isNotEmpty();
        return out;
    }

    static String text(JsonNode n, String field) {
        return n.path(field).asText("");
    }
}
