package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.client.ServerClient;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.JobControl;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.HeartbeatResponse;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.LeaseRenewal;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The batched heartbeat on the agent's side, against a stand-in control plane in memory (the server's half is
 * tested over real HTTP in {@code HttpApiTest} and on both databases in {@code StoreContractTest}): one call renews
 * every running attempt, each attempt acts on its own answer, and failures neither renew nor stop anything early.
 */
class LeaseRenewerTest {
    static final long S = 1_000_000_000L;
    final AtomicLong now = new AtomicLong(1_000 * S);

    /** What the stand-in control plane was asked, and how it answers. */
    final List<List<LeaseRenewal.Attempt>> batches = new CopyOnWriteArrayList<>();

    final List<String> perAttempt = new CopyOnWriteArrayList<>();
    final Map<String, LeaseRenewal.Lease> answers = new HashMap<>();
    volatile Exception batchFailure;
    volatile CountDownLatch holdFirstBatch;

    final ServerClient client = (ServerClient) Proxy.newProxyInstance(
            ServerClient.class.getClassLoader(), new Class<?>[] {ServerClient.class}, (p, m, args) -> {
                switch (m.getName()) {
                    case "renewLeases" -> {
                        assertThat(args[0]).isEqualTo("rwr_credential");
                        List<LeaseRenewal.Attempt> asked = ((LeaseRenewal) args[1]).attempts();
                        batches.add(asked);
                        CountDownLatch hold = holdFirstBatch;
                        if (hold != null && batches.size() == 1) hold.await();
                        if (batchFailure != null) throw batchFailure;
                        List<LeaseRenewal.Lease> out = new ArrayList<>();
                        for (LeaseRenewal.Attempt a : asked)
                            out.add(answers.getOrDefault(
                                    a.jobId(), new LeaseRenewal.Lease(a.jobId(), a.attempt(), true, false, null)));
                        return new LeaseRenewal.Answer(out);
                    }
                    case "heartbeat" -> {
                        perAttempt.add((String) args[0]);
                        return new HeartbeatResponse(false, null);
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                }
            });
    final LeaseRenewer renewer = new LeaseRenewer(client, client, () -> "rwr_credential", now::get);

    record Running(AttemptLease lease, JobControl control) {}

    Running start(String jobId) {
        JobControl control = new JobControl();
        AttemptLease lease = new AttemptLease(
                new Assignment(
                        jobId, 1, "rwj_" + jobId, new JobSpec("t", List.of(), Map.of(), List.of(), null, 1), 30, 1),
                renewer,
                control,
                now::get);
        lease.start();
        return new Running(lease, control);
    }

    @Test
    void oneCallRenewsEveryRunningAttemptFromWhenItWasSent() throws Exception {
        List<Running> running = List.of(start("a"), start("b"), start("c"));
        long sent = now.addAndGet(20 * S);
        renewer.renewOnce();
        assertThat(batches).hasSize(1);
        assertThat(batches.getFirst())
                .containsExactlyInAnyOrder(
                        new LeaseRenewal.Attempt("a", 1),
                        new LeaseRenewal.Attempt("b", 1),
                        new LeaseRenewal.Attempt("c", 1));
        for (Running r : running) {
            assertThat(r.lease().deadline()).isEqualTo(sent + 30 * S - AttemptLease.margin(30 * S));
            assertThat(r.control().stopped()).isNull();
            r.lease().stop();
        }
        assertThat(perAttempt).isEmpty();
    }

    @Test
    void eachAttemptActsOnItsOwnAnswerAndAStaleOneIsNotAskedForAgain() throws Exception {
        Running kept = start("kept");
        Running cancelled = start("cancelled");
        Running stale = start("stale");
        answers.put("cancelled", new LeaseRenewal.Lease("cancelled", 1, true, true, "cancelled by a user"));
        answers.put("stale", new LeaseRenewal.Lease("stale", 1, false, false, null));
        long before = stale.lease().deadline();
        now.addAndGet(10 * S);
        renewer.renewOnce();

        assertThat(kept.control().stopped()).isNull();
        assertThat(cancelled.control().stopped().reason()).isEqualTo("cancelled by a user");
        assertThat(cancelled.control().stopped().abandon())
                .as("a cancelled job still reports")
                .isFalse();
        assertThat(stale.control().stopped().abandon())
                .as("a stale attempt is given up unreported")
                .isTrue();
        assertThat(stale.control().stopped().reason()).contains("no longer knows this attempt");
        assertThat(stale.lease().deadline())
                .as("a stale attempt is not renewed")
                .isEqualTo(before);

        renewer.renewOnce();
        assertThat(batches.get(1))
                .containsExactlyInAnyOrder(
                        new LeaseRenewal.Attempt("kept", 1), new LeaseRenewal.Attempt("cancelled", 1));
    }

    @Test
    void aControlPlaneWithoutTheBatchedCallIsAskedPerAttemptFromThenOn() throws Exception {
        Running a = start("a");
        start("b");
        batchFailure = new ServerException(404, "not_found", "no such endpoint", "");
        long sent = now.addAndGet(10 * S);
        renewer.renewOnce();
        assertThat(perAttempt).containsExactlyInAnyOrder("a", "b");
        renewer.renewOnce();
        assertThat(batches).as("asked once, then no more").hasSize(1);
        assertThat(perAttempt).hasSize(4);
        assertThat(a.lease().deadline()).isEqualTo(sent + 30 * S - AttemptLease.margin(30 * S));
    }

    @Test
    void aRefusedCredentialGivesUpEveryAttempt() throws Exception {
        Running a = start("a");
        Running b = start("b");
        batchFailure = new ServerException(401, "unauthorized", "runner was deleted", "");
        renewer.renewOnce();
        assertThat(a.control().stopped().abandon()).isTrue();
        assertThat(b.control().stopped().reason()).contains("runner was deleted");
        assertThat(a.lease().renewing()).isFalse();
    }

    @Test
    void aFailedRoundRenewsNothingAndStopsNothingBeforeTheWatchdogDoes() throws Exception {
        Running a = start("a");
        long deadline = a.lease().deadline();
        batchFailure = new IOException("connection refused");
        now.addAndGet(10 * S);
        renewer.renewOnce();
        assertThat(a.lease().deadline()).isEqualTo(deadline);
        assertThat(a.control().stopped()).isNull();
        assertThat(a.lease().renewing()).isTrue();
    }

    @Test
    void aCallStuckOnAStalledConnectionDoesNotHoldBackTheNext() {
        LeaseRenewer live = new LeaseRenewer(client, client, () -> "rwr_credential", System::nanoTime);
        JobControl control = new JobControl();
        AttemptLease lease = new AttemptLease(
                new Assignment("a", 1, "rwj_a", new JobSpec("t", List.of(), Map.of(), List.of(), null, 1), 30, 1),
                live,
                control,
                System::nanoTime);
        holdFirstBatch = new CountDownLatch(1);
        long startedAt = lease.deadline();
        lease.start();
        Thread loop = Thread.ofVirtual().start(live::run);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lease.deadline() > startedAt);
            assertThat(batches.size()).as("the first call is still stuck").isGreaterThanOrEqualTo(2);
        } finally {
            holdFirstBatch.countDown();
            loop.interrupt();
            lease.stop();
        }
    }
}
