package dev.runway.agent.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.agent.isolation.JobLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Following a container's output on a real engine. Podman's follow stream can miss the exit of a container that
 * ends as the stream starts and then stays open for ever (podman#6627, #11461); that stuck stream cannot be made to
 * happen on demand, so these tests hand the follower a stream that never delivers or stops part-way (the only
 * simulated part), on real containers whose logs the engine keeps.
 */
class ContainerFollowTest {
    static ContainerEngine engine;
    final String agentKey = "follow-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void connect() throws Exception {
        engine = TestEngine.require();
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    @AfterEach
    void removeContainers() {
        engine.removeAll(Map.of(ContainerEngine.LABEL_AGENT, agentKey));
    }

    String exited(String script) throws Exception {
        String id = started(script);
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> !engine.state(id).startsWith("running"));
        return id;
    }

    String started(String script) throws Exception {
        return engine.start(new ContainerEngine.ContainerRequest(
                TestEngine.IMAGE,
                "follow-" + UUID.randomUUID(),
                Map.of(ContainerEngine.LABEL_AGENT, agentKey),
                List.of(),
                List.of("sh"),
                List.of("-c", script),
                "none",
                List.of(),
                List.of(),
                JobLimits.NONE,
                null,
                null));
    }

    static final String SCRIPT = "for i in 1 2 3 4 5; do echo out-$i; echo err-$i >&2; done; exit 3";

    @Test
    void aFollowStreamThatNeverEndsIsGivenUpOnceTheContainerHasEndedAndNothingIsLost_simulatedStream()
            throws Exception {
        String id = exited(SCRIPT);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ContainerEngine.Output out = (b, off, len) -> got.write(b, off, len);
        ContainerEngine.FollowedOutput counted = new ContainerEngine.FollowedOutput(out);
        long start = System.nanoTime();
        ContainerEngine.Exec e = engine.followed(id, new ContainerEngine.Frames(null), counted, out);
        assertThat(e.await(TimeUnit.SECONDS.toNanos(30)))
                .as("the follower ended")
                .isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("given up within the poll and the grace, not at the wait's end")
                .isLessThan(Duration.ofSeconds(20));
        assertThat(e.exitCode()).isEqualTo(3);
        String text = got.toString(StandardCharsets.UTF_8);
        for (int i = 1; i <= 5; i++) assertThat(text).contains("out-" + i + "\n", "err-" + i + "\n");
        assertThat(text.length()).isEqualTo("out-1\n".length() * 10);
    }

    @Test
    void whatTheStuckStreamDeliveredIsNotWrittenTwice_simulatedStream() throws Exception {
        String id = exited("echo first-line; echo second-line; echo third-line");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ContainerEngine.Output out = (b, off, len) -> got.write(b, off, len);
        ContainerEngine.FollowedOutput counted = new ContainerEngine.FollowedOutput(out);
        byte[] part = "first-line\nsec".getBytes(StandardCharsets.UTF_8); // the stream stopped mid-line
        counted.write(part, 0, part.length);
        ContainerEngine.Exec e = engine.followed(id, new ContainerEngine.Frames(null), counted, out);
        assertThat(e.await(TimeUnit.SECONDS.toNanos(30))).isTrue();
        assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("first-line\nsecond-line\nthird-line\n");
        // and a late frame from the given-up stream is dropped
        counted.write(part, 0, part.length);
        assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("first-line\nsecond-line\nthird-line\n");
    }

    @Test
    void aRunningContainerIsWaitedForAndTheRealStreamDeliversEverythingOnce() throws Exception {
        String id = started("echo begin; sleep 2; echo end");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ContainerEngine.Exec e = engine.follow(id, (b, off, len) -> {
            synchronized (got) {
                got.write(b, off, len);
            }
        });
        assertThat(e.await(TimeUnit.MILLISECONDS.toNanos(300)))
                .as("still running")
                .isFalse();
        assertThat(e.await(TimeUnit.SECONDS.toNanos(60))).isTrue();
        assertThat(e.exitCode()).isZero();
        synchronized (got) {
            assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("begin\nend\n");
        }
    }
}
