package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.agent.client.ServerClient;
import dev.runway.agent.exec.JobControl;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The agent's half of the lease, on an injected monotonic clock: an attempt whose lease has not been renewed is
 * stopped before the control plane's lease (which started no earlier than the agent's clock did) can run out.
 */
class AttemptLeaseTest {
    static final long S = 1_000_000_000L;
    final AtomicLong now = new AtomicLong(1_000 * S); // any origin: only differences count
    final JobControl control = new JobControl();

    static Assignment assignment(int leaseSeconds, int heartbeatSeconds) {
        return new Assignment(
                "job-1",
                1,
                "rwj_token",
                new JobSpec("t", List.of(), Map.of(), List.of(), null, 1),
                leaseSeconds,
                heartbeatSeconds);
    }

    AttemptLease lease(int leaseSeconds, ServerClient client) {
        return new AttemptLease(
                assignment(leaseSeconds, 5),
                new LeaseRenewer(client, client, () -> "rwr_credential", now::get),
                control,
                now::get);
    }

    @Test
    void anUnrenewedAttemptIsStoppedAtTheLeaseLessItsMarginSayingWhy() {
        AttemptLease lease = lease(30, null);
        now.addAndGet(24 * S - 1);
        assertThat(lease.check()).isFalse();
        assertThat(control.stopped()).isNull();
        now.addAndGet(1);
        assertThat(lease.check()).isTrue();
        assertThat(lease.lost()).isEqualTo("control plane unreachable for 24 s: attempt 1 stopped");
        assertThat(control.stopped().reason()).isEqualTo(lease.lost());
        assertThat(control.stopped().abandon()).isFalse(); // its log is still delivered
    }

    @Test
    void aRenewalCountsFromWhenTheHeartbeatWasSentNotAnswered() {
        AttemptLease lease = lease(30, null);
        long sent = now.addAndGet(20 * S);
        now.addAndGet(9 * S); // the answer took 9 s to come back
        lease.renewed(sent);
        assertThat(lease.deadline()).isEqualTo(sent + 24 * S);
        now.set(sent + 24 * S - 1);
        assertThat(lease.check()).isFalse();
        now.set(sent + 24 * S);
        assertThat(lease.check()).isTrue();
        assertThat(lease.lost()).startsWith("control plane unreachable for 24 s");
    }

    @Test
    void theLeaseRunsFromThePollsSendingPlusWhatTheControlPlaneHeldItNotFromTheAnswer() {
        long polled = now.get();
        Assignment held2s = new Assignment(
                "job-1",
                1,
                "rwj_token",
                new JobSpec("t", List.of(), Map.of(), List.of(), null, 1),
                8,
                1,
                Map.of(),
                2_000);
        now.addAndGet(9 * S); // the answer took 9 s to arrive
        AttemptLease lease = new AttemptLease(held2s, null, control, now::get, polled);
        assertThat(lease.deadline()).isEqualTo(polled + 2 * S + 8 * S - AttemptLease.margin(8 * S));
        assertThat(lease.halfSpent()).isTrue();
        assertThat(lease.check()).as("past its deadline on arrival").isTrue();

        long polledNow = now.get(); // a held time longer than the agent saw pass cannot start the lease in the future
        AttemptLease odd = new AttemptLease(held2s, null, new JobControl(), now::get, polledNow);
        assertThat(odd.deadline()).isEqualTo(polledNow + 8 * S - AttemptLease.margin(8 * S));
        assertThat(odd.halfSpent()).isFalse();
    }

    @Test
    void anOlderRenewalArrivingLateDoesNotMoveTheDeadlineBack() {
        AttemptLease lease = lease(30, null);
        long first = now.addAndGet(5 * S);
        long second = now.addAndGet(5 * S);
        lease.renewed(second);
        lease.renewed(first);
        assertThat(lease.deadline()).isEqualTo(second + 24 * S);
    }

    @Test
    void theAgentAlwaysStopsBeforeTheServersLeaseEndsWithTimeToKill() {
        for (int seconds : new int[] {1, 2, 3, 6, 10, 30, 60, 300, 3600}) {
            long lease = seconds * S;
            long margin = AttemptLease.margin(lease);
            assertThat(margin).as("lease %d s", seconds).isPositive().isLessThan(lease);
            assertThat(margin).as("lease %d s", seconds).isGreaterThanOrEqualTo(Math.min(5 * S, lease / 2));
        }
    }

    @Test
    void aControlPlaneThatSendsNoLeaseGetsNoWatchdog() {
        AttemptLease lease = lease(0, null);
        now.addAndGet(3600 * S);
        assertThat(lease.check()).isFalse();
        assertThat(control.stopped()).isNull();
    }

    @Test
    void withRenewalsFailingTheWatchdogStopsTheJobOnItsOwn() {
        AtomicInteger renewals = new AtomicInteger();
        ServerClient unreachable = (ServerClient) Proxy.newProxyInstance(
                ServerClient.class.getClassLoader(), new Class<?>[] {ServerClient.class}, (p, m, args) -> {
                    if (m.getName().equals("renewLeases")) {
                        renewals.incrementAndGet();
                        throw new IOException("connection refused");
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        LeaseRenewer renewer = new LeaseRenewer(unreachable, unreachable, () -> "rwr_credential", System::nanoTime);
        AttemptLease lease = new AttemptLease(assignment(2, 1), renewer, control, System::nanoTime);
        long started = System.nanoTime();
        lease.start();
        Thread renewing = Thread.ofVirtual().start(renewer::run);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> control.stopped() != null);
            long took = System.nanoTime() - started;
            assertThat(took).isLessThan(2 * S); // before a 2 s lease can end on the server
            assertThat(control.stopped().reason()).matches("control plane unreachable for [01] s: attempt 1 stopped");
        } finally {
            renewing.interrupt();
            lease.stop();
        }
    }
}
