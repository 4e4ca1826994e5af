package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.server.ServerConfig;
import dev.runway.server.TestDatabases;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    ServerConfig config() {
        return TestDatabases.sqlite(dir);
    }

    @Override
    ServerConfig freshConfig() {
        return TestDatabases.sqlite(dir.resolve("fresh"));
    }

    /**
     * SQLite has one writer: a claim waits for another transaction (a run's scheduler queueing jobs) to commit. Its
     * lease must count from when it holds the lock, not from before it waited: the agent counts the lease from the
     * assignment's arrival, so a lease started seconds early runs out on the server before the agent stops the
     * attempt, and another attempt starts beside it (ChaosE2ETest at full scale: "attempts 2 and 3 overlapped").
     */
    @Test
    void aClaimThatWaitedForTheWriteLockCountsItsLeaseFromWhenItHadIt() throws Exception {
        RunnerRecord r = runner("r");
        enqueue("j");
        AtomicLong clock = new AtomicLong(now);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> db.tx(c -> {
            Sql.update(c, "UPDATE runners SET last_seen_at = last_seen_at WHERE id = ?", r.id());
            holding.countDown();
            try {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<JobStore.Claim> claim = CompletableFuture.supplyAsync(
                () -> jobs.claim(r.id(), r.name(), r.labels(), r.slots(), clock::get, LEASE));
        // the claim is waiting for the lock; meanwhile the time moves on by 3 s
        org.awaitility.Awaitility.await()
                .during(java.time.Duration.ofMillis(300))
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> !claim.isDone());
        clock.addAndGet(3_000);
        release.countDown();
        writer.get(10, TimeUnit.SECONDS);
        JobStore.Claim got = claim.get(10, TimeUnit.SECONDS);
        assertThat(got).isNotNull();
        assertThat(jobs.attempt(got.job().id(), 1).leaseExpiresAt())
                .as("a full lease from when the claim held the lock")
                .isEqualTo(now + 3_000 + LEASE);
    }
}
