package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.container.ContainerEngine;
import dev.runway.agent.container.TestEngine;
import dev.runway.agent.isolation.JobLimits;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * A hundred jobs starting at once keep every carrier of the virtual-thread scheduler busy for seconds: the ticks
     * must not wait for one (they did, as a virtual thread, and the switch stopped healthy steps of a busy agent).
     */
    @Test
    void anAgentWhoseVirtualThreadsAreAllBusyStillTalksAndKeepsItsSteps() throws Exception {
        List<ProcessHandle> steps = agentWithSteps();
        deadMan = DeadMansSwitch.start(
                agent.pid(), marker, () -> Duration.ofMillis(200).toNanos(), () -> stopped.incrementAndGet());
        await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 0);
        int carriers = Integer.getInteger(
                "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
        java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(carriers);
        List<Thread> spinners = new java.util.ArrayList<>();
        for (int i = 0; i < carriers; i++)
            spinners.add(Thread.ofVirtual().start(() -> {
                busy.countDown();
                long x = 0;
                while (spin.get()) x++; // never parks: its carrier is taken until it ends
                if (x == -1) System.out.print("");
            }));
        try {
            assertThat(busy.await(10, java.util.concurrent.TimeUnit.SECONDS))
                    .as("every carrier taken")
                    .isTrue();
            int before = deadMan.said();
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            await().pollInterval(Duration.ofMillis(200))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> System.nanoTime() > until || steps.stream().anyMatch(p -> !p.isAlive()));
            assertThat(deadMan.said() - before)
                    .as("words said while no carrier was free")
                    .isGreaterThanOrEqualTo(3);
            assertThat(steps).allMatch(ProcessHandle::isAlive);
            assertThat(stopped.get()).isZero();
        } finally {
            spin.set(false);
            for (Thread t : spinners) t.join();
        }
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

    /** A container of the agent's (the container executor's job, a Docker action) that sleeps, TERM-proof. */
    String agentsContainer(ContainerEngine engine, String agentKey) throws Exception {
        return engine.start(new ContainerEngine.ContainerRequest(
                TestEngine.IMAGE,
                "dms-" + java.util.UUID.randomUUID(),
                Map.of(ContainerEngine.LABEL_AGENT, agentKey),
                List.of(),
                List.of("sh"),
                List.of("-c", "trap '' TERM; while :; do sleep 1; done"),
                "none",
                List.of(),
                List.of(),
                JobLimits.NONE,
                null,
                null));
    }

    /**
     * Containers run in the engine, not as the agent's children: the switch asks the engine for the agent's labelled
     * containers and kills them, even ones that ignore SIGTERM, and leaves other agents' containers alone.
     */
    @Test
    void aSilentAgentsContainersAreKilledButNoOtherAgents() throws Exception {
        try (ContainerEngine engine = TestEngine.require()) {
            String key = "dms-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            String mine = agentsContainer(engine, key);
            String theirs = agentsContainer(engine, key + "-other");
            try {
                agent = new ProcessBuilder("sleep", "300").start(); // an agent with no child processes
                deadMan = DeadMansSwitch.start(
                        agent.pid(),
                        marker,
                        () -> Duration.ofMillis(300).toNanos(),
                        () -> stopped.incrementAndGet(),
                        new DeadMansSwitch.Containers(ContainerEngine.socket(null), key));
                await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 0);
                deadMan.silence();
                await("the agent's container is killed")
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> !engine.state(mine).equals("running"));
                assertThat(stopped.get()).isEqualTo(1);
                assertThat(deadMan.stoppedSince(System.currentTimeMillis() - 60_000))
                        .isTrue();
                assertThat(engine.state(theirs)).as("another agent's container").isEqualTo("running");
            } finally {
                engine.removeAll(Map.of(ContainerEngine.LABEL_AGENT, key));
                engine.removeAll(Map.of(ContainerEngine.LABEL_AGENT, key + "-other"));
            }
        }
    }

    @Test
    void aGoneAgentsContainersAreKilledAtOnce() throws Exception {
        try (ContainerEngine engine = TestEngine.require()) {
            String key = "dms-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            String mine = agentsContainer(engine, key);
            try {
                agent = new ProcessBuilder("sleep", "300").start();
                deadMan = DeadMansSwitch.start(
                        agent.pid(),
                        marker,
                        () -> Duration.ofMinutes(10).toNanos(),
                        () -> stopped.incrementAndGet(),
                        new DeadMansSwitch.Containers(ContainerEngine.socket(null), key));
                await().atMost(Duration.ofSeconds(5)).until(() -> deadMan.said() > 1);
                long cut = System.nanoTime();
                deadMan.cutPipe();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !engine.state(mine).equals("running"));
                assertThat(Duration.ofNanos(System.nanoTime() - cut)).isLessThan(Duration.ofSeconds(10));
            } finally {
                engine.removeAll(Map.of(ContainerEngine.LABEL_AGENT, key));
            }
        }
    }

    @Test
    void theWordIsTheTimeLeftPlusTheAgentsHeadStart() {
        assertThat(DeadMansSwitch.word(Long.MAX_VALUE)).isEqualTo("idle");
        assertThat(DeadMansSwitch.word(Duration.ofMillis(2500).toNanos())).isEqualTo("3.5");
        assertThat(DeadMansSwitch.word(-Duration.ofSeconds(3).toNanos())).isEqualTo("1.0");
        assertThat(DeadMansSwitch.word(0)).isEqualTo("1.0");
    }
}
