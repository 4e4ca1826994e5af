package dev.runway.server.forge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The delivery loop stepped by hand on a clock the test moves, against a sink that fails when told to. */
class StatusDeliveryTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final List<CommitStatus> sent = new ArrayList<>();
    final List<IOException> failures = new ArrayList<>();
    final StatusDelivery delivery = new StatusDelivery(
            s -> {
                if (!failures.isEmpty()) throw failures.remove(0);
                sent.add(s);
            },
            now::get);

    static CommitStatus status(String context, CommitStatus.State state, String description) {
        return new CommitStatus("acme/app", "a".repeat(40), context, state, description, null);
    }

    @Test
    void onlyTheNewestStatusOfAContextIsSentAndInTheOrderOfChange() throws Exception {
        delivery.offer(status("build", CommitStatus.State.PENDING, "queued"));
        delivery.offer(status("test", CommitStatus.State.PENDING, "queued"));
        delivery.offer(status("build", CommitStatus.State.PENDING, "running on r1"));
        delivery.offer(status("build", CommitStatus.State.SUCCESS, "succeeded in 3 s"));
        assertThat(delivery.deliverOnce()).isEqualTo(2);
        assertThat(sent)
                .extracting(CommitStatus::context, CommitStatus::description)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("test", "queued"),
                        org.assertj.core.groups.Tuple.tuple("build", "succeeded in 3 s"));
        assertThat(delivery.pending()).isZero();
    }

    @Test
    void aForgeThatIsDownIsTriedAgainAfterAGrowingPauseAndGetsTheOutcome() throws Exception {
        delivery.offer(status("build", CommitStatus.State.PENDING, "queued"));
        failures.add(new IOException("connection refused"));
        assertThat(delivery.deliverOnce()).isZero();
        delivery.offer(status("build", CommitStatus.State.FAILURE, "step 'make' exited with 2"));
        assertThat(delivery.deliverOnce()).as("paused").isZero();
        now.addAndGet(StatusDelivery.FIRST_PAUSE.toNanos());
        failures.add(new StatusApi.Refused(502, "bad gateway"));
        assertThat(delivery.deliverOnce()).isZero();
        now.addAndGet(StatusDelivery.FIRST_PAUSE.toNanos());
        assertThat(delivery.deliverOnce())
                .as("the pause doubled: 1 s is not enough")
                .isZero();
        now.addAndGet(StatusDelivery.FIRST_PAUSE.toNanos());
        assertThat(delivery.deliverOnce()).isEqualTo(1);
        assertThat(sent).extracting(CommitStatus::state).containsExactly(CommitStatus.State.FAILURE);
    }

    @Test
    void aStatusTheForgeRefusesIsDroppedAndTheOthersStillGo() throws Exception {
        delivery.offer(status("gone-repo", CommitStatus.State.PENDING, "queued"));
        delivery.offer(status("build", CommitStatus.State.PENDING, "queued"));
        failures.add(new StatusApi.Refused(422, "No commit found for SHA"));
        assertThat(delivery.deliverOnce()).isEqualTo(1);
        assertThat(sent).extracting(CommitStatus::context).containsExactly("build");
        assertThat(delivery.pending()).isZero();
    }

    @Test
    void waitingStatusesAreBoundedAndALongDescriptionIsCut() {
        for (int i = 0; i <= StatusDelivery.MAX_PENDING; i++)
            delivery.offer(status("job " + i, CommitStatus.State.PENDING, "queued"));
        assertThat(delivery.pending()).isEqualTo(StatusDelivery.MAX_PENDING);
        assertThat(status("x", CommitStatus.State.FAILURE, "e".repeat(500)).description())
                .hasSize(140);
    }
}
