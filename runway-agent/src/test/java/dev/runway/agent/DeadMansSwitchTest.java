package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The out-of-process lease watchdog, with its real bash script, against a stand-in agent: a bash process whose
 * children lead their own sessions as steps do, each with a grandchild in its group. What an agent's freeze or death
 * looks like to the switch (no more words, a closed pipe) is produced by stopping the ticker or closing the pipe.
 */
class DeadMansSwitchTest {
    Process agent;
    DeadMansSwitch deadMan;
    final java.util.concurrent.atomic.AtomicInteger stopped = new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    java.nio.file.Path marker;

    @org.junit.jupiter.api.BeforeEach
    void markerFile() {
        marker = dir.resolve(".dead-mans-switch");
    }

    @AfterEach
    void cleanUp() {
        if (deadMan != null) deadMan.close();
        if (agent != null) {
            agent.descendants().forEach(ProcessHandle::destroyForcibly);
            agent.destroyForcibly();
        }
    }

    /** A stand-in agent with two "steps", each a session leader with a child; returns the steps' processes. */
    List<ProcessHandle> agentWithSteps() throws IOException {
        agent = new ProcessBuilder(
                        "bash",
                        "-c",
                        "setsid sh -c 'sleep 300 & wait' & setsid sh -c 'sleep 301 & wait' & wait; exec sleep 300")
                .start();
        await().atMost(Duration.ofSeconds(10)).until(() -> agent.descendants().count() >= 4);
        return agent.descendants().toList();
    }

    @Test
    void aSilentAgentsStepsAreStoppedOnceTheirTimeHasPassed() throws Exception {
        List<ProcessHandle> steps = agentWithSteps();
        AtomicLong remaining = new AtomicLong(Duration.ofMillis(500).toNanos());
        deadMan = DeadMansSwitch.start(agent.pid(), marker, remaining::get, () -> stopped.incrementAndGet());
        assertThat(deadMan).isNotNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 0);
        deadMan.silence();
        long silent = System.nanoTime();
        await("the steps and their children are stopped")
                .atMost(Duration.ofSeconds(15))
                .until(() -> steps.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(Duration.ofNanos(System.nanoTime() - silent))
                .as("not before the time the agent announced (0.5 s + 1 s)")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1400));
        assertThat(agent.isAlive()).as("the agent itself is not touched").isTrue();
        await("the agent hears that its steps were stopped")
                .atMost(Duration.ofSeconds(5))
                .until(() -> stopped.get() == 1);
        assertThat(deadMan.stoppedSince(System.currentTimeMillis() - 60_000)).isTrue();
        assertThat(deadMan.stoppedSince(System.currentTimeMillis() + 60_000)).isFalse();
    }

    @Test
    void anAgentThatKeepsTalkingKeepsItsSteps() throws Exception {
        List<ProcessHandle> steps = agentWithSteps();
        // each word gives 0.2 s + 1 s; the agent speaks every second, so the switch never fires
        deadMan = DeadMansSwitch.start(
                agent.pid(), marker, () -> Duration.ofMillis(200).toNanos(), () -> stopped.incrementAndGet());
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        await().pollInterval(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() > until || steps.stream().anyMatch(p -> !p.isAlive()));
        assertThat(steps).allMatch(ProcessHandle::isAlive);
        assertThat(stopped.get()).isZero();
        assertThat(deadMan.stoppedSince(0)).as("no marker").isFalse();
    }

    @Test
    void anIdleAgentIsNeverChased() throws Exception {
        List<ProcessHandle> steps = agentWithSteps();
        deadMan = DeadMansSwitch.start(agent.pid(), marker, () -> Long.MAX_VALUE, () -> stopped.incrementAndGet());
        await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 1);
        deadMan.silence();
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        await().pollInterval(Duration.ofMillis(200))
                .atMost(Duration.ofSeconds(10))
                .until(() -> System.nanoTime() > until || steps.stream().anyMatch(p -> !p.isAlive()));
        assertThat(steps).allMatch(ProcessHandle::isAlive);
    }

    @Test
    void aGoneAgentsStepsAreStoppedAtOnce() throws Exception {
        List<ProcessHandle> steps = agentWithSteps();
        deadMan = DeadMansSwitch.start(
                agent.pid(), marker, () -> Duration.ofMinutes(10).toNanos(), () -> stopped.incrementAndGet());
        await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 1); // the switch has seen the steps
        long cut = System.nanoTime();
        deadMan.cutPipe();
        await().atMost(Duration.ofSeconds(10)).until(() -> steps.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(Duration.ofNanos(System.nanoTime() - cut)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theWordIsTheTimeLeftPlusTheAgentsHeadStart() {
        assertThat(DeadMansSwitch.word(Long.MAX_VALUE)).isEqualTo("idle");
        assertThat(DeadMansSwitch.word(Duration.ofMillis(2500).toNanos())).isEqualTo("3.5");
        assertThat(DeadMansSwitch.word(-Duration.ofSeconds(3).toNanos())).isEqualTo("1.0");
        assertThat(DeadMansSwitch.word(0)).isEqualTo("1.0");
    }
}
