package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.JobState;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's contract; every store (SQLite, PostgreSQL) runs it through a subclass. */
abstract class StoreContractTest {
    static final long LEASE = 10_000;
    Database db;
    JobStore jobs;
    LogStore logs;
    RunnerStore runners;
    long now = 1_700_000_000_000L;

    abstract ServerConfig config();

    /** A store of its own, empty, for tests that migrate from an older schema. */
    abstract ServerConfig freshConfig();

    @BeforeEach
    void open() {
        db = Database.open(config());
        jobs = new JobStore(db);
        logs = new LogStore(db);
        runners = new RunnerStore(db);
        reset();
    }

    /** Stores that outlive one test (a shared database) empty themselves here. */
    void reset() {}

    @AfterEach
    void close() {
        if (db != null) db.close();
    }

    JobRecord enqueue(String name, String... labels) {
        return jobs.insert(name, "{\"name\":\"" + name + "\"}", Labels.normalise(List.of(labels)), 2, 60_000, now++);
    }

    RunnerRecord runner(String name, String... labels) {
        String token = runners.createRegistrationToken(now, now + 3_600_000, 1).token();
        return runners.register(token, name, Labels.normalise(List.of(labels)), 100, "test", now)
                .runner();
    }

    JobStore.Claim claim(RunnerRecord r) {
        return jobs.claim(r.id(), r.name(), r.labels(), r.slots(), now, LEASE);
    }

    /**
     * Two transactions that create the same two new label sets in opposite orders (two matrix runs of new runner
     * labels, started at once) both commit: on PostgreSQL each used to wait for the other's uncommitted insert, a
     * deadlock that failed one of them.
     */
    @Test
    void twoTransactionsCreatingTheSameNewLabelSetsInOppositeOrdersBothCommit() throws Exception {
        String a = "new-a-" + java.util.UUID.randomUUID();
        String b = "new-b-" + java.util.UUID.randomUUID();
        java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
        java.util.function.BiFunction<String, String, java.util.concurrent.Callable<Void>> creating =
                (first, second) -> () -> {
                    jobs.transitions().tx(db, (c, p) -> {
                        JobStore.insert(
                                c, p, JobStore.NewJob.queued("x", "{}", java.util.Set.of(first), 1, 60_000), now);
                        try { // both hold their first new set before either creates its second
                            both.await(3, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException
                                | java.util.concurrent.BrokenBarrierException e) {
                            // the other waits for this one to commit (the fix): go on alone
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        JobStore.insert(
                                c, p, JobStore.NewJob.queued("y", "{}", java.util.Set.of(second), 1, 60_000), now);
                        return null;
                    });
                    return null;
                };
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            var one = pool.submit(creating.apply(a, b));
            var two = pool.submit(creating.apply(b, a));
            one.get(30, java.util.concurrent.TimeUnit.SECONDS);
            two.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        RunnerRecord r = runner("both", a, b);
        int claimed = 0;
        while (claim(r) != null) claimed++;
        assertThat(claimed).isEqualTo(4);
    }

    @Test
    void claimsAreFifoAmongJobsTheRunnerCanTake() {
        RunnerRecord linux = runner("linux-runner", "linux");
        JobRecord a = enqueue("a", "linux");
        enqueue("gpu-only", "linux", "gpu");
        JobRecord c = enqueue("c");

        assertThat(claim(linux).job().id()).isEqualTo(a.id());
        assertThat(claim(linux).job().id()).isEqualTo(c.id());
        assertThat(claim(linux)).isNull();

        RunnerRecord gpu = runner("gpu-runner", "gpu", "linux", "x64");
        JobStore.Claim g = claim(gpu);
        assertThat(g.job().name()).isEqualTo("gpu-only");
        assertThat(g.job().state()).isEqualTo(JobState.RUNNING);
        assertThat(g.job().attempt()).isEqualTo(1);
        assertThat(g.jobToken()).startsWith("rwj_");
    }

    @Test
    void claimsStayFifoAcrossManyMatchingLabelSetsWithMoreJobsPerSetThanAClaimLooksAt() {
        // PostgreSQL reads each matching set's oldest few (JobStore.CLAIM_PER_SET); the order must still be the queue's
        RunnerRecord r = runner("linux-x64", "linux", "x64");
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 3 * JobStore.CLAIM_PER_SET + 5; i++) {
            String[] labels = switch (i % 4) {
                case 0 -> new String[] {"linux"};
                case 1 -> new String[] {"x64", "linux"};
                case 2 -> new String[] {"linux", "gpu"}; // not this runner's
                default -> new String[] {};
            };
            JobRecord j = enqueue("j" + i, labels);
            if (i % 4 != 2) expected.add(j.id());
        }
        List<String> claimed = new java.util.ArrayList<>();
        JobStore.Claim c;
        while ((c = claim(r)) != null) {
            claimed.add(c.job().id());
            jobs.complete(c.job().id(), c.job().attempt(), JobStore.Completion.of(JobState.SUCCEEDED), now++);
        }
        assertThat(claimed).containsExactlyElementsOf(expected);
    }

    @Test
    void tenThousandJobsNoRunnerServesDoNotDelayOneThisRunnerCanTake() {
        RunnerRecord linux = runner("linux-runner", "linux", "x64");
        // a pool that is down: 10,000 jobs in 100 label sets, some sharing labels with the runner
        jobs.transitions().tx(db, (c, p) -> {
            for (int i = 0; i < 10_000; i++) {
                Set<String> labels =
                        Labels.normalise(i % 2 == 0 ? List.of("linux", "gpu-" + i % 100) : List.of("gpu-" + i % 100));
                JobStore.insert(c, p, JobStore.NewJob.queued("gpu-" + i, "{}", labels, 2, 60_000), now++);
            }
            return null;
        });
        JobRecord servable = enqueue("servable", "linux");
        long start = System.nanoTime();
        JobStore.Claim c = claim(linux);
        double firstMs = (System.nanoTime() - start) / 1e6;
        assertThat(c).as("the servable job behind 10,000 others").isNotNull();
        assertThat(c.job().id()).isEqualTo(servable.id());
        assertThat(claim(linux)).isNull();
        JobRecord next = enqueue("next", "x64", "linux");
        start = System.nanoTime();
        assertThat(claim(linux).job().id()).isEqualTo(next.id());
        double againMs = (System.nanoTime() - start) / 1e6;
        System.out.printf(
                "claim behind 10000 unservable jobs on %s: first %.1f ms, again %.1f ms%n",
                db.dialect(), firstMs, againMs);
        assertThat(firstMs).isLessThan(2000);
        assertThat(againMs).isLessThan(500);
        RunnerRecord gpu = runner("gpu-runner", "gpu-7", "linux");
        assertThat(claim(gpu).job().name())
                .as("FIFO within what a runner serves")
                .isEqualTo("gpu-7");
    }

    @Test
    void jobsQueuedBeforeLabelSetsExistedAreStillClaimedByLabel() {
        db.close();
        ServerConfig fresh = freshConfig();
        db = Database.open(fresh, "16");
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO jobs (id, name, spec, labels, state, max_attempts, timeout_ms, created_at, queued_at)"
                        + " VALUES ('j-old', 'old', '{}', 'gpu,linux', 'queued', 2, 60000, 1, 1),"
                        + " ('j-any', 'any', '{}', '', 'queued', 2, 60000, 2, 2)"));
        db.close();
        db = Database.open(fresh);
        jobs = new JobStore(db);
        runners = new RunnerStore(db);
        RunnerRecord linux = runner("linux-runner", "linux");
        assertThat(claim(linux).job().id()).as("a job without labels").isEqualTo("j-any");
        assertThat(claim(linux)).as("gpu,linux needs gpu too").isNull();
        assertThat(claim(runner("gpu-runner", "linux", "gpu")).job().id()).isEqualTo("j-old");
    }

    @Test
    void aRunnerNeverHoldsMoreJobsThanItsSlots() {
        String token = runners.createRegistrationToken(now, now + 60_000, 1).token();
        RunnerRecord one =
                runners.register(token, "one-slot", Set.of(), 1, "test", now).runner();
        enqueue("a");
        enqueue("b");
        assertThat(claim(one)).isNotNull();
        assertThat(claim(one)).isNull();
    }

    RunnerRecord pooled(String pool, String instance, String variant, String... labels) {
        String token = runners.createRegistrationToken(
                        now, now + 3_600_000, 1, new RunnerStore.Placement(pool, instance, variant))
                .token();
        return runners.register(token, instance, Labels.normalise(List.of(labels)), 1, "test", now)
                .runner();
    }

    @Test
    void aRunnerTakesItsPoolInstanceAndVariantFromItsRegistrationToken() {
        RunnerRecord r = pooled("linux", "linux-1", "canary");
        assertThat(r.pool()).isEqualTo("linux");
        assertThat(r.instance()).isEqualTo("linux-1");
        assertThat(r.variant()).isEqualTo("canary");
        assertThat(r.firstJobAt()).isNull();
        enqueue("j");
        now += 5;
        assertThat(claim(r)).isNotNull();
        assertThat(runners.list())
                .singleElement()
                .satisfies(x -> assertThat(x.firstJobAt()).isEqualTo(now));
    }

    @Test
    void retiringRemovesOnlyAnIdleRunnerAndARetiredRunnerClaimsNothing() {
        RunnerRecord busy = runner("busy");
        RunnerRecord idle = runner("idle");
        enqueue("j");
        assertThat(claim(busy)).isNotNull();
        assertThat(runners.retire(busy.id())).isEqualTo(RunnerStore.Retired.BUSY);
        assertThat(runners.retire(idle.id())).isEqualTo(RunnerStore.Retired.RETIRED);
        assertThat(runners.retire(idle.id())).isEqualTo(RunnerStore.Retired.UNKNOWN);
        enqueue("k");
        assertThat(claim(idle)).as("a retired runner claims nothing").isNull();
        assertThat(runners.list()).extracting(RunnerRecord::name).containsExactly("busy");
    }

    @Test
    void retireAndClaimRacingNeverLeaveARetiredRunnerWithAJob() throws Exception {
        for (int round = 0; round < 40; round++) {
            RunnerRecord r = runner("racer-" + round);
            JobRecord j = enqueue("race-" + round);
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService two = Executors.newFixedThreadPool(2);
            Future<JobStore.Claim> claimed = two.submit(() -> {
                go.await();
                return claim(r);
            });
            Future<RunnerStore.Retired> retired = two.submit(() -> {
                go.await();
                return runners.retire(r.id());
            });
            go.countDown();
            JobStore.Claim c = claimed.get();
            RunnerStore.Retired t = retired.get();
            two.shutdown();
            // exactly one wins: the job was claimed and the runner is kept, or the runner is gone and the job waits
            if (t == RunnerStore.Retired.RETIRED) {
                assertThat(c).as("round %d", round).isNull();
                assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.QUEUED);
                jobs.cancel(j.id(), now);
            } else {
                assertThat(t).isEqualTo(RunnerStore.Retired.BUSY);
                assertThat(c).isNotNull();
                jobs.complete(j.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now);
            }
        }
    }

    @Test
    void aDrainedPoolsRunnersClaimNothingUntilItResumes() {
        PoolStore pools = new PoolStore(db);
        RunnerRecord r = pooled("warm", "warm-1", "stable");
        RunnerRecord other = runner("unpooled");
        enqueue("a");
        enqueue("b");
        pools.setDraining("warm", true, now);
        assertThat(claim(r)).isNull();
        assertThat(claim(other)).as("runners outside the pool are not affected").isNotNull();
        pools.setDraining("warm", false, now);
        assertThat(claim(r)).isNotNull();
        assertThat(pools.get("warm").draining()).isFalse();
    }

    @Test
    void theQueueSnapshotGroupsByLabelSetAndItsVersionChangesWithTheQueue() {
        enqueue("a", "linux");
        now += 10;
        enqueue("b", "linux");
        enqueue("c", "gpu", "linux");
        JobStore.QueueSnapshot first = jobs.queueSnapshot();
        assertThat(first.groups())
                .extracting(JobStore.QueueGroup::labels, JobStore.QueueGroup::queued)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(java.util.Set.of("linux"), 2),
                        org.assertj.core.groups.Tuple.tuple(java.util.Set.of("gpu", "linux"), 1));
        assertThat(jobs.queueSnapshot().version()).isEqualTo(first.version());
        RunnerRecord r = runner("r", "linux");
        assertThat(jobs.queueSnapshot().version()).as("a runner registered").isNotEqualTo(first.version());
        String before = jobs.queueSnapshot().version();
        claim(r);
        assertThat(jobs.queueSnapshot().version()).as("a job claimed").isNotEqualTo(before);
    }

    @Test
    void variantOutcomesAndQueueWaitsComeFromWhatThePoolsRunnersRan() {
        PoolStore pools = new PoolStore(db);
        RunnerRecord stable = pooled("roll", "roll-1", "stable");
        RunnerRecord canary = pooled("roll", "roll-2", "canary");
        JobRecord a = enqueue("a");
        JobRecord b = enqueue("b");
        now += 100;
        claim(stable);
        claim(canary);
        jobs.complete(a.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now);
        jobs.complete(b.id(), 1, JobStore.Completion.of(JobState.FAILED).because("exit 1"), now);
        assertThat(pools.variantOutcomes("roll", 0))
                .containsExactly(
                        new PoolStore.VariantCount("canary", 1, 0), new PoolStore.VariantCount("stable", 1, 1));
        // queued 1 ms apart, both started 100 ms after the last enqueue
        assertThat(pools.queueWaits("roll", 0)).containsExactly(101L, 102L);
        assertThat(pools.variantOutcomes("other", 0)).isEmpty();
    }

    @Test
    void manyConcurrentClaimersNeverShareAJob() throws Exception {
        int jobCount = 1000;
        for (int i = 0; i < jobCount; i++) enqueue("j" + i);
        List<RunnerRecord> rs = new ArrayList<>();
        for (int i = 0; i < 16; i++) rs.add(runner("r" + i));
        ConcurrentHashMap<String, String> owner = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            RunnerRecord r = rs.get(t % rs.size());
            fs.add(pool.submit(() -> {
                go.await();
                JobStore.Claim c;
                while ((c = jobs.claim(r.id(), r.name(), r.labels(), Integer.MAX_VALUE, now, LEASE)) != null) {
                    if (owner.putIfAbsent(c.job().id(), r.id()) != null) duplicates.incrementAndGet();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        assertThat(duplicates.get()).isZero();
        assertThat(owner).hasSize(jobCount);
        assertThat(jobs.list(JobState.QUEUED, 10)).isEmpty();
    }

    /**
     * Claims hammered from many threads while other threads enqueue and the claimers complete what they took: every
     * job is claimed exactly once (one attempt, by one runner) and every job ends succeeded, with one attempt each.
     * The claim is a single UPDATE ... RETURNING now; this is what it must still promise.
     */
    @Test
    void claimsHammeredWhileJobsAreQueuedAndCompletedGiveEachJobToOneRunnerOnce() throws Exception {
        int jobCount = 800;
        int slots = 2;
        List<RunnerRecord> rs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String token =
                    runners.createRegistrationToken(now, now + 3_600_000, 1).token();
            rs.add(runners.register(token, "h" + i, Labels.normalise(List.of("h")), slots, "test", now)
                    .runner());
        }
        ConcurrentHashMap<String, String> owner = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger notFirstAttempt = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger queued = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(rs.size() * slots + 3);
        List<Future<?>> fs = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            fs.add(pool.submit(() -> {
                go.await();
                while (queued.getAndIncrement() < jobCount)
                    jobs.insert("h", "{\"name\":\"h\"}", Set.of("h"), 1, 60_000, now);
                return null;
            }));
        }
        for (RunnerRecord r : rs) {
            for (int t = 0; t < slots; t++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    while (completed.get() < jobCount) {
                        JobStore.Claim c = jobs.claim(r.id(), r.name(), r.labels(), slots, now, LEASE);
                        if (c == null) {
                            Thread.yield(); // the producers are behind: let them run
                            continue;
                        }
                        if (owner.putIfAbsent(c.job().id(), r.id()) != null) duplicates.incrementAndGet();
                        if (c.job().attempt() != 1) notFirstAttempt.incrementAndGet();
                        assertThat(jobs.complete(
                                        c.job().id(),
                                        c.job().attempt(),
                                        JobStore.Completion.of(JobState.SUCCEEDED),
                                        now))
                                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
                        completed.incrementAndGet();
                    }
                    return null;
                }));
            }
        }
        go.countDown();
        for (Future<?> f : fs) f.get(5, java.util.concurrent.TimeUnit.MINUTES);
        pool.shutdown();
        assertThat(duplicates.get()).as("jobs claimed twice").isZero();
        assertThat(notFirstAttempt.get()).as("claims of a second attempt").isZero();
        assertThat(owner).hasSize(jobCount);
        assertThat(jobs.list(JobState.SUCCEEDED, jobCount + 1)).hasSize(jobCount);
        int attempts = db.read(c -> Sql.one(c, "SELECT COUNT(*) FROM attempts", rs2 -> rs2.getInt(1)));
        assertThat(attempts).as("attempts").isEqualTo(jobCount);
    }

    @Test
    void anExpiredLeaseRequeuesAsANewAttemptThenFailsAsRunnerLost() {
        RunnerRecord r = runner("r");
        JobRecord j = enqueue("j");
        JobStore.Claim first = claim(r);
        now += LEASE + 1;
        assertThat(moves(jobs.expireLeases(now, LEASE))).containsExactly(requeued(j, r));
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.QUEUED);

        // the first attempt is fenced off
        assertThat(jobs.heartbeat(j.id(), 1, now, LEASE)).isNull();
        assertThat(jobs.complete(j.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.STALE);
        assertThat(logs.append(j.id(), 1, 0, bytes("late"), 1000).outcome()).isEqualTo(LogStore.Outcome.STALE);
        assertThat(jobs.attemptByToken(first.jobToken()).running()).isFalse();

        JobStore.Claim second = claim(r);
        assertThat(second.job().attempt()).isEqualTo(2);
        now += LEASE + 1;
        jobs.expireLeases(now, LEASE);
        JobRecord lost = jobs.get(j.id());
        assertThat(lost.state()).isEqualTo(JobState.FAILED);
        assertThat(lost.reason()).contains("runner lost");
    }

    /** A lease loop on the test's clock, which also serves as its monotonic clock. */
    dev.runway.server.dispatch.LeaseReaper reaper() {
        return new dev.runway.server.dispatch.LeaseReaper(
                jobs, () -> java.time.Instant.ofEpochMilli(now), LEASE, () -> now);
    }

    /** What happened to each job: "job: from -> to (cause, runner)". */
    static List<String> moves(List<Transition> ts) {
        return ts.stream()
                .map(t -> t.jobId() + ": " + t.from() + " -> " + t.to() + " (" + t.cause() + ", " + t.runnerId() + ")")
                .toList();
    }

    /** {@code j}'s attempt on {@code r} was lost and {@code j} requeued. */
    static String requeued(JobRecord j, RunnerRecord r) {
        return j.id() + ": RUNNING -> QUEUED (LEASE_EXPIRED, " + r.id() + ")";
    }

    /** Serving time passes: the loop runs every second for {@code millis}; what it expired. */
    List<String> serve(dev.runway.server.dispatch.LeaseReaper reaper, long millis) {
        List<String> out = new ArrayList<>();
        for (long t = 0; t < millis; t += 1000) {
            now += 1000;
            out.addAll(moves(reaper.runOnce()));
        }
        return out;
    }

    @Test
    void aRestartedControlPlaneGivesRunningAttemptsAFullLeaseAndAcceptsTheirResults() {
        RunnerRecord r = runner("r");
        JobRecord done = enqueue("finishes-during-the-outage");
        JobRecord silent = enqueue("runner-died-during-the-outage");
        claim(r);
        claim(r);
        now += 3 * LEASE; // the control plane was down for three leases
        var restarted = reaper();
        assertThat(restarted.startServing()).isEqualTo(2);
        assertThat(restarted.runOnce()).as("nothing is lost at start").isEmpty();
        assertThat(serve(restarted, LEASE - 1000))
                .as("nor within a lease of serving")
                .isEmpty();
        assertThat(jobs.heartbeat(done.id(), 1, now, LEASE)).isNotNull();
        assertThat(jobs.complete(done.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
        // a runner that really is gone is lost once a lease of serving time passed without its heartbeat
        assertThat(serve(restarted, 2000)).containsExactly(requeued(silent, r));
        assertThat(jobs.get(done.id()).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.get(done.id()).attempt()).isEqualTo(1);
    }

    /**
     * A claim whose time was read before it waited for the write lock (held by a run's scheduler queueing the job)
     * starts the attempt no earlier than the job was queued: the dashboard showed a queue wait of -39 ms.
     */
    @Test
    void aClaimNeverStartsAnAttemptBeforeItsJobWasQueued() {
        RunnerRecord r = runner("r");
        long readBeforeTheLock = now;
        now += 39;
        JobRecord j = enqueue("queued-while-the-claim-waited");
        JobStore.Claim c = jobs.claim(r.id(), r.name(), r.labels(), r.slots(), readBeforeTheLock, LEASE);
        assertThat(c.job().id()).isEqualTo(j.id());
        JobRecord got = jobs.get(j.id());
        assertThat(got.startedAt()).as("started").isGreaterThanOrEqualTo(got.queuedAt());
        assertThat(jobs.attempt(j.id(), 1).leaseExpiresAt()).isGreaterThanOrEqualTo(got.queuedAt() + LEASE);
    }

    /**
     * The batched heartbeat renews, in one transaction, exactly the listed attempts that the calling runner is
     * running: not another runner's, not an older attempt of a job now on its next one, not a finished one, not an
     * unlisted one of its own.
     */
    @Test
    void aBatchedRenewalExtendsTheRunnersListedRunningAttemptsAndNoOthers() {
        RunnerRecord r = runner("r");
        RunnerRecord other = runner("other");
        JobRecord a = enqueue("a");
        JobRecord b = enqueue("b");
        JobRecord unlisted = enqueue("unlisted");
        JobRecord finished = enqueue("finished");
        JobRecord theirs = enqueue("theirs");
        JobRecord retried = enqueue("retried");
        claim(r);
        claim(r);
        claim(r);
        claim(r);
        claim(other);
        // "retried": attempt 1 lost, attempt 2 now running on r too
        claim(r);
        now += LEASE + 1;
        for (String keep : List.of(a.id(), b.id(), unlisted.id(), finished.id(), theirs.id()))
            assertThat(jobs.heartbeat(keep, 1, now, LEASE)).isNotNull();
        jobs.expireLeases(now, LEASE);
        assertThat(claim(r).job().id()).isEqualTo(retried.id());
        assertThat(jobs.complete(finished.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
        assertThat(jobs.cancel(b.id(), now)).isEqualTo(JobStore.CancelOutcome.REQUESTED);

        long at = now + 5_000;
        var asked = List.of(
                new LeaseRenewal.Attempt(a.id(), 1),
                new LeaseRenewal.Attempt(b.id(), 1),
                new LeaseRenewal.Attempt(finished.id(), 1),
                new LeaseRenewal.Attempt(theirs.id(), 1),
                new LeaseRenewal.Attempt(retried.id(), 1),
                new LeaseRenewal.Attempt(retried.id(), 2),
                new LeaseRenewal.Attempt("no-such-job", 1));
        var renewed = jobs.renewLeases(r.id(), asked, at, LEASE);
        assertThat(renewed.keySet())
                .containsExactlyInAnyOrder(
                        new LeaseRenewal.Attempt(a.id(), 1),
                        new LeaseRenewal.Attempt(b.id(), 1),
                        new LeaseRenewal.Attempt(retried.id(), 2));
        assertThat(renewed.get(new LeaseRenewal.Attempt(b.id(), 1)).cancelRequested())
                .as("the renewal carries the job, so a cancel reaches the agent")
                .isTrue();
        assertThat(jobs.attempt(a.id(), 1).leaseExpiresAt()).isEqualTo(at + LEASE);
        assertThat(jobs.attempt(retried.id(), 2).leaseExpiresAt()).isEqualTo(at + LEASE);
        assertThat(jobs.attempt(unlisted.id(), 1).leaseExpiresAt())
                .as("an attempt not listed is not renewed")
                .isLessThan(at + LEASE);
        assertThat(jobs.attempt(theirs.id(), 1).leaseExpiresAt())
                .as("another runner's attempt is not renewed")
                .isLessThan(at + LEASE);
        assertThat(jobs.renewLeases(r.id(), List.of(), at, LEASE)).isEmpty();
    }

    /** Many attempts in one call: more than one statement's worth, all renewed. */
    @Test
    void aBatchedRenewalOfMoreAttemptsThanOneStatementTakesRenewsThemAll() {
        RunnerRecord r = runners.register(
                        runners.createRegistrationToken(now, now + 3_600_000, 1).token(),
                        "big",
                        Labels.normalise(List.of()),
                        1_200,
                        "test",
                        now)
                .runner();
        List<LeaseRenewal.Attempt> asked = new ArrayList<>();
        for (int i = 0; i < 1_100; i++) {
            enqueue("j" + i);
            asked.add(new LeaseRenewal.Attempt(claim(r).job().id(), 1));
        }
        assertThat(jobs.renewLeases(r.id(), asked, now + 1, LEASE)).hasSize(1_100);
    }

    @Test
    void aStalledLeaseLoopGivesRunningAttemptsAFullLeaseBeforeReaping() {
        RunnerRecord r = runner("r");
        JobRecord j = enqueue("j");
        var loop = reaper();
        loop.startServing();
        claim(r);
        assertThat(serve(loop, 5000)).isEmpty();
        jobs.heartbeat(j.id(), 1, now, LEASE);
        now += 2 * LEASE; // SIGSTOP, a GC pause: the loop (and every request) waited
        assertThat(loop.runOnce()).as("the stall is not charged to the runner").isEmpty();
        assertThat(jobs.heartbeat(j.id(), 1, now + 10, LEASE))
                .as("its buffered heartbeat")
                .isNotNull();
        assertThat(jobs.complete(j.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);

        // a short pause (under half a lease) extends nothing: a lease still runs out after a lease of serving time
        JobRecord k = enqueue("k");
        claim(r);
        assertThat(serve(loop, LEASE - 3000)).isEmpty();
        now += LEASE / 2 - 1;
        assertThat(moves(loop.runOnce())).containsExactly(requeued(k, r));
    }

    @Test
    void passesThatCannotReachTheStoreDoNotCountAsServing() {
        RunnerRecord r = runner("r");
        JobRecord j = enqueue("j");
        var loop = reaper();
        loop.startServing();
        claim(r);
        db.tx(c -> Sql.update(c, "ALTER TABLE attempts RENAME TO attempts_away")); // the store fails every pass
        for (long t = 0; t < 2 * LEASE; t += 1000) {
            now += 1000;
            assertThatThrownBy(loop::runOnce).isInstanceOf(StoreException.class);
        }
        db.tx(c -> Sql.update(c, "ALTER TABLE attempts_away RENAME TO attempts"));
        now += 1000;
        assertThat(loop.runOnce())
                .as("the store outage is not charged to the runner")
                .isEmpty();
        assertThat(jobs.heartbeat(j.id(), 1, now, LEASE)).isNotNull();
    }

    @Test
    void heartbeatsKeepTheLeaseAndCompletionIsIdempotent() {
        RunnerRecord r = runner("r");
        JobRecord j = enqueue("j");
        claim(r);
        now += LEASE - 1;
        assertThat(jobs.heartbeat(j.id(), 1, now, LEASE)).isNotNull();
        now += LEASE - 1;
        assertThat(jobs.expireLeases(now, LEASE)).isEmpty();
        assertThat(jobs.complete(j.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
        assertThat(jobs.complete(j.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.ALREADY_COMPLETED);
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void cancelFinishesAQueuedJobAndFlagsARunningOne() {
        RunnerRecord r = runner("r");
        JobRecord running = enqueue("running");
        claim(r);
        JobRecord queued = enqueue("queued");
        assertThat(jobs.cancel(queued.id(), now)).isEqualTo(JobStore.CancelOutcome.CANCELLED);
        assertThat(jobs.get(queued.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.cancel(running.id(), now)).isEqualTo(JobStore.CancelOutcome.REQUESTED);
        assertThat(jobs.get(running.id()).cancelRequested()).isTrue();
        assertThat(jobs.cancel(queued.id(), now)).isEqualTo(JobStore.CancelOutcome.ALREADY_FINISHED);
        assertThat(jobs.cancel("nope", now)).isEqualTo(JobStore.CancelOutcome.NOT_FOUND);
    }

    @Test
    void logAppendsAreIdempotentByOffsetAndRefuseGaps() {
        runner("r");
        JobRecord j = enqueue("j");
        claim(runners.list().get(0));
        assertThat(logs.append(j.id(), 1, 0, bytes("hello "), 1000).committed()).isEqualTo(6);
        assertThat(logs.append(j.id(), 1, 0, bytes("hello "), 1000).committed()).isEqualTo(6); // retry: no-op
        assertThat(logs.append(j.id(), 1, 3, bytes("lo world"), 1000).committed())
                .isEqualTo(11); // overlap: only new bytes
        LogStore.Append gap = logs.append(j.id(), 1, 20, bytes("x"), 1000);
        assertThat(gap.outcome()).isEqualTo(LogStore.Outcome.GAP);
        assertThat(gap.committed()).isEqualTo(11);
        assertThat(new String(logs.read(j.id(), 1, 0).bytes(), StandardCharsets.UTF_8))
                .isEqualTo("hello world");
        assertThat(new String(logs.read(j.id(), 1, 6).bytes(), StandardCharsets.UTF_8))
                .isEqualTo("world");
    }

    /**
     * The batched upload writes only to attempts the calling runner runs now, each chunk by the rules of a single
     * append, and answers in the order asked.
     */
    @Test
    void aBatchedLogAppendWritesOnlyTheRunnersRunningAttempts() {
        RunnerRecord r = runner("r");
        RunnerRecord other = runner("other");
        JobRecord a = enqueue("a");
        JobRecord b = enqueue("b");
        JobRecord finished = enqueue("finished");
        JobRecord theirs = enqueue("theirs");
        claim(r);
        claim(r);
        claim(r);
        claim(other);
        assertThat(jobs.complete(finished.id(), 1, JobStore.Completion.of(JobState.SUCCEEDED), now))
                .isEqualTo(JobStore.CompleteOutcome.COMPLETED);
        List<LogStore.Append> got = logs.appendAll(
                r.id(),
                List.of(
                        piece(b, 0, "B"),
                        piece(theirs, 0, "not mine"),
                        piece(a, 0, "A1"),
                        piece(a, 2, "A2"),
                        piece(finished, 0, "late"),
                        piece(b, 5, "gap")),
                1000);
        assertThat(got.stream().map(LogStore.Append::outcome))
                .containsExactly(
                        LogStore.Outcome.APPENDED,
                        LogStore.Outcome.STALE,
                        LogStore.Outcome.APPENDED,
                        LogStore.Outcome.APPENDED,
                        LogStore.Outcome.STALE,
                        LogStore.Outcome.GAP);
        assertThat(got.get(3).committed()).isEqualTo(4);
        assertThat(got.get(5).committed()).isEqualTo(1);
        assertThat(text(a)).isEqualTo("A1A2");
        assertThat(text(b)).isEqualTo("B");
        assertThat(text(theirs)).isEmpty();
        assertThat(text(finished)).isEmpty();
    }

    /**
     * Retries racing their first tries (an agent's call timed out while the control plane was still writing it) and
     * renewals locking the same rows: every byte is written once, in order, and no transaction deadlocks.
     */
    @Test
    void racingBatchedAppendsOfTheSameChunksWriteEachByteOnceAndNeverDeadlock() throws Exception {
        RunnerRecord r = runners.register(
                        runners.createRegistrationToken(now, now + 3_600_000, 1).token(),
                        "racing",
                        Labels.normalise(List.of()),
                        20,
                        "test",
                        now)
                .runner();
        List<JobRecord> running = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            running.add(enqueue("race" + i));
            claim(r);
        }
        int rounds = 40;
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int k = 0; k < rounds; k++) {
                        List<LogStore.Piece> batch = new ArrayList<>();
                        for (JobRecord j : running) batch.add(piece(j, 3L * k, String.format("%03d", k)));
                        java.util.Collections.shuffle(batch, new java.util.Random(seed * 1000L + k));
                        logs.appendAll(r.id(), batch, 1_000_000);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        threads.add(Thread.ofPlatform().start(() -> {
            try {
                List<LeaseRenewal.Attempt> asked = new ArrayList<>();
                for (JobRecord j : running.reversed()) asked.add(new LeaseRenewal.Attempt(j.id(), 1));
                for (int k = 0; k < rounds; k++) jobs.renewLeases(r.id(), asked, now, LEASE);
            } catch (Throwable e) {
                failures.add(e);
            }
        }));
        for (Thread t : threads) t.join(120_000);
        assertThat(failures).isEmpty();
        StringBuilder expected = new StringBuilder();
        for (int k = 0; k < rounds; k++) expected.append(String.format("%03d", k));
        for (JobRecord j : running) assertThat(text(j)).as(j.id()).isEqualTo(expected.toString());
    }

    private static LogStore.Piece piece(JobRecord j, long offset, String text) {
        return new LogStore.Piece(j.id(), 1, offset, bytes(text));
    }

    private String text(JobRecord j) {
        return new String(logs.read(j.id(), 1, 0).bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void logsBeyondTheLimitAreTruncatedWithAVisibleMarker() {
        runner("r");
        JobRecord j = enqueue("j");
        claim(runners.list().get(0));
        logs.append(j.id(), 1, 0, bytes("0123456789"), 8);
        LogStore.Append more = logs.append(j.id(), 1, 10, bytes("abc"), 8);
        assertThat(more.truncated()).isTrue();
        assertThat(more.committed()).isEqualTo(13);
        String text = new String(logs.read(j.id(), 1, 0).bytes(), StandardCharsets.UTF_8);
        assertThat(text)
                .startsWith("01234567")
                .contains("log truncated")
                .doesNotContain("89")
                .doesNotContain("abc");
    }

    @Test
    void healthReportsKeepTheHostsResourcesAndScalerRunnersTheirRequestTime() {
        RunnerRecord plain = runner("plain");
        assertThat(plain.resources()).isNull();
        assertThat(plain.requestedAt())
                .as("only scaler runners measure provisioning")
                .isNull();
        now += 500;
        RunnerRecord pooled = pooled("p", "p-1", "stable");
        assertThat(pooled.requestedAt()).isEqualTo(now);

        now += 1000;
        runners.health(plain.id(), null, new dev.runway.protocol.RunnerResources(0.25, 3L, 8L, 50L, 100L, null), now);
        dev.runway.protocol.RunnerResources r = runners.get(plain.id()).resources();
        assertThat(r.cpuRatio()).isEqualTo(0.25);
        assertThat(r.memoryRatio()).isEqualTo(3.0 / 8);
        assertThat(r.diskRatio()).isEqualTo(0.5);
        assertThat(r.reportedAt().toEpochMilli()).isEqualTo(now);
        // a report without figures (an older agent) keeps the last ones
        runners.health(plain.id(), "low disk", null, now + 1);
        assertThat(runners.get(plain.id()).resources()).isEqualTo(r);
        assertThat(runners.get(plain.id()).unhealthyReason()).isEqualTo("low disk");

        enqueue("a");
        claim(pooled);
        assertThat(runners.runningCounts()).containsExactly(java.util.Map.entry(pooled.id(), 1));
        assertThat(jobs.oldestQueuedId()).isNull();
        JobRecord waiting = enqueue("b");
        enqueue("c");
        assertThat(jobs.oldestQueuedId()).isEqualTo(waiting.id());
    }

    @Test
    void registrationTokensExpireAndHaveAMaximumOfUses() {
        String twice = runners.createRegistrationToken(now, now + 1000, 2).token();
        runners.register(twice, "a", Set.of(), 1, "t", now);
        runners.register(twice, "b", Set.of(), 1, "t", now);
        assertThatThrownBy(() -> runners.register(twice, "c", Set.of(), 1, "t", now))
                .isInstanceOf(RunnerStore.RegistrationRefused.class)
                .hasMessageContaining("maximum");
        String soon = runners.createRegistrationToken(now, now + 1000, 5).token();
        assertThatThrownBy(() -> runners.register(soon, "d", Set.of(), 1, "t", now + 1000))
                .isInstanceOf(RunnerStore.RegistrationRefused.class)
                .hasMessageContaining("expired");
        assertThatThrownBy(() -> runners.register("rwr_unknown", "e", Set.of(), 1, "t", now))
                .isInstanceOf(RunnerStore.RegistrationRefused.class)
                .hasMessageContaining("not recognised");
    }

    @Test
    void aDeletedRunnersCredentialIsRecognisedAsDeleted() {
        String token = runners.createRegistrationToken(now, now + 1000, 1).token();
        RunnerStore.Registered reg = runners.register(token, "gone", Set.of(), 1, "t", now);
        assertThat(runners.byCredential(reg.credential(), now).runner().deleted())
                .isFalse();
        assertThat(runners.delete(reg.runner().id(), now)).isEmpty();
        assertThat(runners.delete(reg.runner().id(), now)).as("already deleted").isNull();
        assertThat(runners.byCredential(reg.credential(), now).runner().deleted())
                .isTrue();
        assertThat(runners.list()).extracting(RunnerRecord::name).doesNotContain("gone");
    }

    @Test
    void aRotatedCredentialOverlapsBrieflyAndEveryCredentialExpires() {
        String token = runners.createRegistrationToken(now, now + 1000, 1).token();
        RunnerStore.Registered reg = runners.register(token, "rotating", Set.of(), 1, "t", now);
        String old = reg.credential();
        RunnerStore.Rotated next = runners.rotate(reg.runner().id(), old, now + 10);
        assertThat(next.credential()).startsWith("rwc_").isNotEqualTo(old);
        assertThat(runners.byCredential(next.credential(), now + 20).problem()).isNull();
        long overlapEnd = now + 10 + RunnerStore.ROTATION_OVERLAP.toMillis();
        assertThat(runners.byCredential(old, overlapEnd - 1).problem())
                .as("in the overlap")
                .isNull();
        assertThat(runners.byCredential(old, overlapEnd).problem()).contains("replaced by a rotation");
        assertThat(runners.rotate(reg.runner().id(), old, now + 30))
                .as("only the current one rotates")
                .isNull();
        long expiry = next.expiresAt();
        assertThat(runners.byCredential(next.credential(), expiry).problem()).contains("runner credential expired");
        assertThat(runners.byCredential("rwc_unknown", now)).isNull();
    }

    @Test
    void dataSurvivesAReopen() {
        JobRecord j = enqueue("durable");
        db.close();
        db = Database.open(config());
        jobs = new JobStore(db);
        assertThat(jobs.get(j.id()).name()).isEqualTo("durable");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path blobs;

    java.io.InputStream stream(String s) {
        return new java.io.ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void cacheLookupIsExactKeyThenNewestWithAPrefix() throws Exception {
        var caches = new dev.runway.server.artifacts.CacheStore(
                db, new dev.runway.server.blobs.FileBlobStore(blobs), 1 << 20);
        caches.save("repo", "deps-linux-aaa", "v1", stream("old"), now++);
        caches.save("repo", "deps-linux-bbb", "v1", stream("new"), now++);
        caches.save("other", "deps-linux-ccc", "v1", stream("elsewhere"), now++);
        assertThat(caches.lookup("repo", "v1", List.of("deps-linux-aaa"), now).key())
                .isEqualTo("deps-linux-aaa");
        assertThat(caches.lookup("repo", "v1", List.of("deps-linux-zzz", "deps-linux-"), now)
                        .key())
                .isEqualTo("deps-linux-bbb");
        assertThat(caches.lookup("repo", "v2", List.of("deps-linux-aaa", "deps-"), now))
                .isNull();
        assertThat(caches.lookup("repo", "v1", List.of("nothing", "deps-mac-"), now))
                .isNull();
        var hit = caches.get("repo", "deps-linux-bbb", "v1");
        try (var in = caches.open(hit)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("new");
        }
    }

    @Test
    void cachesAreImmutableAndTheLeastRecentlyUsedAreEvicted() throws Exception {
        var caches =
                new dev.runway.server.artifacts.CacheStore(db, new dev.runway.server.blobs.FileBlobStore(blobs), 10);
        caches.save("repo", "a", "v", stream("1234"), now++);
        caches.save("repo", "b", "v", stream("1234"), now++);
        assertThatThrownBy(() -> caches.save("repo", "a", "v", stream("x"), now++))
                .hasMessageContaining("already exists");
        caches.lookup("repo", "v", List.of("a"), now++); // a is now more recently used than b
        caches.save("repo", "c", "v", stream("1234"), now++);
        assertThat(caches.all())
                .extracting(dev.runway.server.artifacts.CacheStore.Entry::key)
                .containsExactlyInAnyOrder("a", "c");
        assertThatThrownBy(() -> caches.save("repo", "huge", "v", stream("12345678901"), now++))
                .hasMessageContaining("cache 'huge' is larger than the limit of 10 bytes");
    }

    @Test
    void releaseEndsAHeldPollWithoutClaimingAnything() throws Exception {
        RunnerRecord r = runner("stopping", "linux");
        var dispatcher = new dev.runway.server.dispatch.Dispatcher(jobs, java.time.InstantSource.system(), LEASE);
        var poll = java.util.concurrent.CompletableFuture.supplyAsync(() -> dispatcher.next(r, 30_000));
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> dispatcher.waiting() == 1);
        long start = System.nanoTime();
        dispatcher.release(r.id());
        assertThat(poll.get(5, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(2));
        JobRecord j = enqueue("after", "linux");
        assertThat(jobs.get(j.id()).state()).isEqualTo(JobState.QUEUED);
    }

    /**
     * on: schedule across replicas: two control planes (each with its own pool on the one database) try to fire the
     * same slot of a schedule at once, many times over; exactly one of them wins each slot and starts its run.
     */
    @Test
    void twoReplicasFiringOneScheduleSlotAtOnceStartExactlyOneRun() throws Exception {
        try (Database other = Database.open(config())) {
            List<ScheduleStore> replicas = List.of(new ScheduleStore(db), new ScheduleStore(other));
            List<RunStore> runStores = List.of(new RunStore(db), new RunStore(other));
            ScheduleStore.Key key = new ScheduleStore.Key(
                    "acme/app-" + java.util.UUID.randomUUID(), ".github/workflows/n.yml", "* * * * *");
            long minute = 60_000;
            long first = (now / minute) * minute;
            assertThat(replicas.get(0).arm(key, first)).as("first seen: armed").isTrue();
            assertThat(replicas.get(1).arm(key, first)).as("armed once").isFalse();
            assertThat(replicas.get(1).claim(key, first))
                    .as("the slot it was armed at does not fire")
                    .isFalse();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int slot = 1; slot <= 20; slot++) {
                    long at = first + slot * minute;
                    java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
                    List<Future<Boolean>> fired = new ArrayList<>();
                    for (int r = 0; r < 2; r++) {
                        int replica = r;
                        fired.add(pool.submit(() -> {
                            both.await(10, java.util.concurrent.TimeUnit.SECONDS);
                            if (!replicas.get(replica).claim(key, at)) return false;
                            runStores
                                    .get(replica)
                                    .insert(
                                            new RunStore.NewRun(
                                                    "n",
                                                    key.workflowPath(),
                                                    "on: schedule",
                                                    key.repo(),
                                                    null,
                                                    null,
                                                    "schedule",
                                                    "{}",
                                                    null,
                                                    null,
                                                    "{\"schedule\":\"* * * * *\"}",
                                                    null,
                                                    null),
                                            at);
                            return true;
                        }));
                    }
                    int winners = 0;
                    for (Future<Boolean> f : fired) winners += f.get(30, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
                    assertThat(winners).as("slot %d fired once", slot).isEqualTo(1);
                }
            } finally {
                pool.shutdownNow();
            }
            long started = db.read(c -> Sql.one(
                    c,
                    "SELECT COUNT(*) FROM runs WHERE repo = ? AND event = 'schedule'",
                    rs -> rs.getLong(1),
                    key.repo()));
            assertThat(started).as("one run per slot").isEqualTo(20);
            assertThat(replicas.get(0).lastFire(key)).isEqualTo(first + 20 * minute);
            assertThat(replicas.get(0).claim(key, first + 19 * minute))
                    .as("an earlier slot never fires")
                    .isFalse();
        }
    }
}
