package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.PoolView;
import dev.runway.protocol.RunnerView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet scaler as users run it: a control plane, a scaler and the runner agents it starts, each a separate
 * process (the process provider). Jobs are submitted through the API; what runs where is read back from it.
 */
class ScalerE2ETest {
    static final Duration LONG = Duration.ofSeconds(90);

    @TempDir
    Path root;

    Path poolsFile(String pools) {
        Path f = root.resolve("pools.yml");
        try {
            Files.writeString(
                    f,
                    "state-dir: " + root.resolve("scaler") + "\nreconcile-every: 1s\npools:\n" + pools.stripIndent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** Instance directories the process provider holds for a pool (its runners' homes; not its standby JVM). */
    List<Path> instances(String pool) {
        Path dir = root.resolve("scaler").resolve(pool);
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".standby-"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Live processes whose working directory is inside the scaler's state dir: runner agents (or their steps). The
     * scaler's pre-started standby JVM is no runner and not counted (there is at most one per pool).
     */
    List<Long> processesUnderStateDir() {
        Path state = root.resolve("scaler").toAbsolutePath();
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    Path cwd = Files.readSymbolicLink(p.resolve("cwd"));
                    if (cwd.startsWith(state) && !cwd.getFileName().toString().startsWith(".standby-"))
                        out.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | SecurityException ignored) {
                    // exited meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<RunnerView> poolRunners(Cluster c, String pool) {
        return c.api().runners().runners().stream()
                .filter(r -> pool.equals(r.pool()))
                .toList();
    }

    void awaitNothingLeft(Cluster c, String pool) {
        await("pool " + pool + " back to nothing: no runners, no instances, no processes")
                .atMost(LONG)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(poolRunners(c, pool)).isEmpty();
                    assertThat(instances(pool)).isEmpty();
                    assertThat(processesUnderStateDir()).isEmpty();
                });
    }

    @Test
    void aBurstScalesFromZeroToMaxEachEphemeralRunnerRunsOneJobAndThePoolReturnsToMinIdle() {
        try (Cluster c = new Cluster(root).start()) {
            c.startScaler(poolsFile("""
                      burst:
                        labels: [burst]
                        max: 3
                        idle-timeout: 2s
                    """));
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 6; i++)
                jobs.add(c.api()
                        .submit(aJob("burst-" + i)
                                .labels("burst")
                                .step("work", "echo on $RUNNER_NAME; sleep 1")
                                .build())
                        .id());
            AtomicInteger most = new AtomicInteger();
            await("burst done")
                    .atMost(LONG)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        most.accumulateAndGet(
                                Math.max(
                                        poolRunners(c, "burst").size(),
                                        instances("burst").size()),
                                Math::max);
                        for (String id : jobs) {
                            JobView j = c.api().job(id);
                            if (j.state().isTerminal() && j.state() != JobState.SUCCEEDED)
                                throw new AssertionError(id + " ended " + j.state() + ": " + c.outputs());
                            if (j.state() != JobState.SUCCEEDED) return false;
                        }
                        return true;
                    });
            assertThat(most.get()).as("runners at once").isBetween(1, 3);
            Set<String> runners = new java.util.HashSet<>();
            for (String id : jobs) {
                JobView j = c.api().job(id);
                assertThat(j.attempt()).isEqualTo(1);
                assertThat(j.runnerName()).startsWith("burst-");
                runners.add(j.runnerName());
            }
            assertThat(runners).as("one ephemeral runner per job").hasSize(6);
            awaitNothingLeft(c, "burst");
            await().atMost(LONG).untilAsserted(() -> {
                PoolView p = c.api().pool("burst");
                assertThat(p.status().idle() + p.status().busy() + p.status().starting())
                        .isZero();
                assertThat(p.status().provisioning()).isNotNull();
                assertThat(p.status().provisioning().samples()).isEqualTo(6);
                assertThat(p.status().provisioning().readyP50Ms()).isPositive();
                assertThat(p.queueWait().samples()).isEqualTo(6);
                assertThat(p.queueWait().p95Ms())
                        .isGreaterThanOrEqualTo(p.queueWait().p50Ms());
            });
            RunwayProcess pools = c.cli("pools");
            assertThat(pools.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(pools.output())
                    .contains("burst", "process", "0/3", "QUEUE WAIT p50/p95")
                    .contains("burst: 0 queued");
        }
    }

    @Test
    void killingTheScalerMidBurstLosesNothingAndItsSuccessorLeavesNoOrphans() {
        try (Cluster c = new Cluster(root).start()) {
            Path file = poolsFile("""
                      crash:
                        labels: [crash]
                        max: 2
                        idle-timeout: 2s
                    """);
            RunwayProcess scaler = c.startScaler(file);
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 4; i++)
                jobs.add(c.api()
                        .submit(aJob("crash-" + i)
                                .labels("crash")
                                .step("work", "sleep 3")
                                .build())
                        .id());
            await().atMost(LONG)
                    .until(() -> jobs.stream()
                                    .filter(id -> c.api().job(id).state() == JobState.RUNNING)
                                    .count()
                            >= 1);
            scaler.kill();
            c.startScaler(file);
            for (String id : jobs) {
                JobView j = c.awaitState(id, JobState.SUCCEEDED, LONG);
                assertThat(j.attempt()).as("nothing ran twice").isEqualTo(1);
            }
            awaitNothingLeft(c, "crash");
        }
    }

    @Test
    void aDrainedPoolTakesNoNewWorkLetsRunningJobsFinishAndResumes() {
        try (Cluster c = new Cluster(root).start()) {
            c.startScaler(poolsFile("""
                      warm:
                        labels: [warm]
                        min-idle: 1
                        max: 2
                    """));
            await("a warm runner")
                    .atMost(LONG)
                    .until(() -> poolRunners(c, "warm").stream()
                            .anyMatch(r -> r.state().equals("idle")));
            JobView running = c.api()
                    .submit(aJob("long").labels("warm").step("work", "sleep 4").build());
            c.awaitState(running.id(), JobState.RUNNING, LONG);

            RunwayProcess drain = c.cli("pools", "drain", "warm");
            assertThat(drain.awaitExit(Duration.ofSeconds(30)))
                    .as(drain.output())
                    .isZero();
            assertThat(drain.output()).contains("draining");
            long drainedAt = System.currentTimeMillis();
            JobView waiting = c.api()
                    .submit(aJob("waits")
                            .labels("warm")
                            .step("work", "echo resumed")
                            .build());

            c.awaitState(running.id(), JobState.SUCCEEDED, LONG);
            await("drained: nothing idle, nothing started, a decision reported after the job was queued")
                    .atMost(LONG)
                    .untilAsserted(() -> {
                        PoolView p = c.api().pool("warm");
                        assertThat(p.draining()).isTrue();
                        assertThat(p.status().lastDecision()).isEqualTo("drained");
                        assertThat(p.reportedAt().toEpochMilli()).isGreaterThan(drainedAt + 1500);
                        assertThat(poolRunners(c, "warm")).isEmpty();
                    });
            assertThat(c.api().job(waiting.id()).state()).isEqualTo(JobState.QUEUED);

            RunwayProcess resume = c.cli("pools", "resume", "warm");
            assertThat(resume.awaitExit(Duration.ofSeconds(30)))
                    .as(resume.output())
                    .isZero();
            c.awaitState(waiting.id(), JobState.SUCCEEDED, LONG);
        }
    }

    @Test
    void anInstanceWhoseRunnerNeverRegistersIsReaped() {
        try (Cluster c = new Cluster(root).start()) {
            RunwayProcess scaler = c.startScaler(poolsFile("""
                      ghost:
                        labels: [ghost]
                        min-idle: 1
                        max: 1
                        register-timeout: 2s
                        agent:
                          command: [sh, -c, "sleep 600"]
                    """));
            await("two ghosts started and reaped")
                    .atMost(LONG)
                    .until(() -> scaler.output().split("orphan: its runner never registered within 2s", -1).length > 2);
            assertThat(c.api().pool("ghost").status().max()).isEqualTo(1);
            assertThat(instances("ghost").size()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void aCanaryGetsItsShareOfNewRunnersIsComparedWithStableAndCanBeRolledBack() {
        try (Cluster c = new Cluster(root).start()) {
            c.startScaler(poolsFile("""
                      roll:
                        labels: [roll]
                        max: 1
                        agent: {version: "1.0"}
                        canary: {percent: 50, version: "1.1"}
                    """));
            Map<String, String> variantOf = new ConcurrentHashMap<>();
            Map<String, Integer> jobsByVariant = new HashMap<>();
            for (String variant : runToSuccess(c, "roll", 4, variantOf)) jobsByVariant.merge(variant, 1, Integer::sum);
            assertThat(jobsByVariant).containsEntry("canary", 2).containsEntry("stable", 2);
            RunwayProcess pools = c.cli("pools");
            assertThat(pools.awaitExit(Duration.ofSeconds(30))).isZero();
            assertThat(pools.output())
                    .contains("canary 1.1 on 50% of new runners")
                    .contains("canary 100.0% of 2 jobs succeeded")
                    .contains("stable 100.0% of 2 jobs succeeded");

            RunwayProcess rollback = c.cli("pools", "rollback", "roll");
            assertThat(rollback.awaitExit(Duration.ofSeconds(30)))
                    .as(rollback.output())
                    .isZero();
            assertThat(rollback.output()).contains("rolled back");
            assertThat(runToSuccess(c, "roll", 2, variantOf)).containsOnly("stable");
        }
    }

    /**
     * Runs {@code n} jobs on the pool's runners to success, noting each runner's variant while it exists (ephemeral
     * runners are gone afterwards); answers the variant of the runner each job ran on.
     */
    static List<String> runToSuccess(Cluster c, String pool, int n, Map<String, String> variantOf) {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++)
            jobs.add(c.api()
                    .submit(aJob(pool + "-" + i)
                            .labels(pool)
                            .step("work", "true")
                            .build())
                    .id());
        await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> {
            poolRunners(c, pool).forEach(r -> variantOf.put(r.name(), r.variant()));
            return jobs.stream().allMatch(id -> c.api().job(id).state() == JobState.SUCCEEDED);
        });
        return jobs.stream()
                .map(id -> variantOf.get(c.api().job(id).runnerName()))
                .toList();
    }

    @Test
    void aBrokenPoolsFileIsRefusedWithItsPosition() throws IOException {
        try (Cluster c = new Cluster(root).start()) {
            Path f = root.resolve("bad.yml");
            Files.writeString(f, "pools:\n  x:\n    labels: [x]\n    max: -1\n");
            RunwayProcess check = c.cli("scaler", "--pools", f.toString(), "--check");
            assertThat(check.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(check.output())
                    .contains(f + ":4:10: max: expected a whole number from 1 to 10000 (got '-1')")
                    .doesNotContain("Exception");
        }
    }
}
