package dev.runway.server.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.server.store.JobStore;
import dev.runway.server.store.RunnerRecord;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher against a queue it can be watched through: idle polls cost no claims, an enqueue wakes one poll
 * whose runner can take the job and no other, and the one periodic recheck finds work nobody was told of.
 */
class DispatcherTest {
    /** A queue of label sets; claims counted per runner; a claim takes a job whose labels the runner has. */
    static final class FakeQueue implements Dispatcher.Queue {
        final AtomicInteger claims = new AtomicInteger();
        final Map<String, AtomicInteger> claimsBy = new ConcurrentHashMap<>();
        final List<Set<String>> queued = new CopyOnWriteArrayList<>();
        final AtomicInteger groupReads = new AtomicInteger();

        @Override
        public synchronized JobStore.Claim claim(RunnerRecord r, LongSupplier now, long leaseMillis) {
            claims.incrementAndGet();
            claimsBy.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet();
            for (Set<String> job : queued)
                if (r.labels().containsAll(job)) {
                    queued.remove(job);
                    return new JobStore.Claim(null, "token-for-" + r.id());
                }
            return null;
        }

        @Override
        public List<JobStore.QueueGroup> queuedGroups() {
            groupReads.incrementAndGet();
            Map<Set<String>, Integer> n = new java.util.HashMap<>();
            for (Set<String> job : queued) n.merge(job, 1, Integer::sum);
            return n.entrySet().stream()
                    .map(e -> new JobStore.QueueGroup(e.getKey(), e.getValue(), 0))
                    .toList();
        }
    }

    final FakeQueue queue = new FakeQueue();
    final Dispatcher dispatcher = new Dispatcher(queue, InstantSource.system(), 30_000);
    final List<Future<Dispatcher.Claimed>> polls = new ArrayList<>();
    final java.util.concurrent.ExecutorService threads =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        dispatcher.close();
        threads.shutdownNow();
    }

    static RunnerRecord runner(String id, String... labels) {
        return new RunnerRecord(id, id, Set.of(labels), 1, "1", 0, 0, false, null, null, null, null, null, null, null);
    }

    Future<Dispatcher.Claimed> poll(RunnerRecord r) {
        Future<Dispatcher.Claimed> f = threads.submit(() -> dispatcher.next(r, 60_000));
        polls.add(f);
        return f;
    }

    void awaitWaiting(int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.waiting() == n);
    }

    @Test
    void idlePollsCostOneClaimEachAndNothingWhileTheyWait() {
        for (int i = 0; i < 2_000; i++) poll(runner("r" + i, "linux"));
        awaitWaiting(2_000);
        assertThat(queue.claims.get()).isEqualTo(2_000);
        // a second and a half of waiting: the polls of before this change claimed once a second each
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> queue.claims.get() == 2_000);
        // the periodic check reads the queue once and, with nothing queued, wakes nobody
        assertThat(dispatcher.recheck()).isZero();
        assertThat(queue.groupReads.get()).isEqualTo(1);
        assertThat(queue.claims.get()).isEqualTo(2_000);
        assertThat(polls).noneMatch(Future::isDone);
    }

    @Test
    void anEnqueueWakesOnePollWhoseRunnerHasTheLabelsAndNoOther() throws Exception {
        for (int i = 0; i < 300; i++) poll(runner("linux-" + i, "linux"));
        Future<Dispatcher.Claimed> gpu = poll(runner("gpu-1", "linux", "gpu"));
        awaitWaiting(301);
        queue.queued.add(Set.of("gpu"));
        dispatcher.jobQueued(Set.of("gpu"));
        assertThat(gpu.get(10, java.util.concurrent.TimeUnit.SECONDS).claim().jobToken())
                .isEqualTo("token-for-gpu-1");
        assertThat(queue.claims.get())
                .as("301 first claims and the woken one's")
                .isEqualTo(302);

        queue.queued.add(Set.of("linux"));
        dispatcher.jobQueued(Set.of("linux"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> polls.stream().filter(Future::isDone).count() == 2);
        assertThat(queue.claims.get()).as("one linux poll woke, not 300").isEqualTo(303);
        assertThat(dispatcher.waiting()).isEqualTo(299);
    }

    @Test
    void theRecheckWakesAsManyMatchingPollsAsThereAreJobsNobodyWasToldOf() {
        for (int i = 0; i < 50; i++) poll(runner("a" + i, "linux"));
        for (int i = 0; i < 50; i++) poll(runner("b" + i, "arm"));
        awaitWaiting(100);
        // queued through another replica: no jobQueued here
        for (int i = 0; i < 3; i++) queue.queued.add(Set.of("arm"));
        assertThat(dispatcher.recheck()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> polls.stream().filter(Future::isDone).count() == 3);
        assertThat(queue.queued).isEmpty();
        assertThat(queue.claims.get()).isEqualTo(103);
        assertThat(polls.subList(0, 50)).as("the linux polls slept on").noneMatch(Future::isDone);
    }

    @Test
    void releaseEndsOnlyThatRunnersPollsAndCloseEndsAll() throws Exception {
        for (int i = 0; i < 1_000; i++) poll(runner("r" + i, "linux"));
        awaitWaiting(1_000);
        dispatcher.release("r7");
        assertThat(polls.get(7).get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        awaitWaiting(999);
        assertThat(polls.stream().filter(Future::isDone).count()).isEqualTo(1);
        dispatcher.close();
        awaitWaiting(0);
        for (Future<Dispatcher.Claimed> f : polls)
            assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
    }

    @Test
    void tenThousandPollsJoinAndLeaveTheIndex() throws Exception {
        for (int i = 0; i < 10_000; i++) poll(runner("r" + i, "linux", "x" + (i % 10)));
        awaitWaiting(10_000);
        queue.queued.add(Set.of("x3"));
        assertThat(dispatcher.recheck()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> polls.stream().filter(Future::isDone).count() == 1);
        assertThat(polls.stream()
                        .filter(Future::isDone)
                        .findFirst()
                        .orElseThrow()
                        .get()
                        .claim()
                        .jobToken())
                .isEqualTo("token-for-r3");
        dispatcher.close();
        awaitWaiting(0);
    }
}
