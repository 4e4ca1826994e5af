package dev.runway.agent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.HeartbeatResponse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FailoverTest {
    /** A control plane that answers heartbeats while {@code up}, counting the calls it gets. */
    static ServerClient plane(AtomicBoolean up, AtomicInteger calls, int downStatus) {
        return (ServerClient) Proxy.newProxyInstance(
                ServerClient.class.getClassLoader(), new Class<?>[] {ServerClient.class}, (p, m, args) -> {
                    calls.incrementAndGet();
                    if (up.get())
                        return m.getName().equals("poll") ? Optional.empty() : new HeartbeatResponse(false, null);
                    if (downStatus > 0) throw new ServerException(downStatus, null, "bad gateway", "");
                    throw new ConnectException("connection refused");
                });
    }

    final AtomicBoolean aUp = new AtomicBoolean(false);
    final AtomicBoolean bUp = new AtomicBoolean(true);
    final AtomicInteger aCalls = new AtomicInteger();
    final AtomicInteger bCalls = new AtomicInteger();

    ServerClient client(int aDownStatus) {
        return Failover.over(
                List.of(URI.create("http://a:8420"), URI.create("http://b:8420")),
                List.of(plane(aUp, aCalls, aDownStatus), plane(bUp, bCalls, 0)));
    }

    @Test
    void aFailedCallMovesToTheNextControlPlaneAndTheAgentSticksToIt() throws Exception {
        ServerClient c = client(0);
        assertThatThrownBy(() -> c.heartbeat("j", "t")).isInstanceOf(IOException.class); // passed on, not resent
        assertThat(bCalls.get()).isZero();
        for (int i = 0; i < 5; i++) assertThat(c.heartbeat("j", "t").cancel()).isFalse();
        aUp.set(true); // a coming back does not take the agent away from b, which answers
        c.heartbeat("j", "t");
        assertThat(aCalls.get()).isEqualTo(1);
        assertThat(bCalls.get()).isEqualTo(6);
        bUp.set(false);
        assertThatThrownBy(() -> c.heartbeat("j", "t")).isInstanceOf(ConnectException.class);
        c.heartbeat("j", "t");
        assertThat(aCalls.get()).isEqualTo(2);
        assertThat(c.toString()).contains("now http://a:8420");
    }

    @Test
    void aProxyThatSaysItsBackendIsDownCountsAsUnreachableButOtherErrorsDoNot() throws Exception {
        ServerClient c = client(502);
        assertThatThrownBy(() -> c.heartbeat("j", "t")).isInstanceOf(ServerException.class);
        c.heartbeat("j", "t");
        assertThat(bCalls.get()).isEqualTo(1);

        ServerClient refused = client(409);
        assertThatThrownBy(() -> refused.heartbeat("j", "t")).isInstanceOf(ServerException.class);
        assertThatThrownBy(() -> refused.heartbeat("j", "t")).isInstanceOf(ServerException.class);
        assertThat(bCalls.get()).isEqualTo(1); // a 409 is an answer: the agent stays
    }

    /** The runner's calls and an attempt's calls are two interfaces; both go to the one current control plane. */
    @Test
    void theRunnersCallsAndTheAttemptsCallsShareTheCurrentControlPlane() throws Exception {
        ServerClient c = client(0);
        RunnerCalls runner = c;
        JobCalls jobs = c;
        assertThatThrownBy(() -> runner.poll("rwr_c", 30)).isInstanceOf(ConnectException.class);
        assertThat(jobs.heartbeat("j", "t").cancel())
                .as("after a runner call failed over")
                .isFalse();
        assertThat(runner.poll("rwr_c", 30)).isEmpty();
        assertThat(aCalls.get()).isEqualTo(1);
        assertThat(bCalls.get()).isEqualTo(2);
    }
}
