package dev.runway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The threshold logic with an injected free-space reading (the e2e test fills a real tmpfs). */
class DiskGuardTest {
    @Test
    void saysWhyBelowTheThresholdAndNothingAboveOrWhenOff() {
        AtomicLong free = new AtomicLong(100L << 20);
        DiskGuard guard = new DiskGuard(Path.of("/w"), 512L << 20, p -> free.get());
        assertThat(guard.problem())
                .isEqualTo("low disk space: 100 MiB free on the work directory /w, below the minimum of 512 MiB"
                        + " (--min-free-disk); taking no jobs until space is freed");
        free.set(512L << 20);
        assertThat(guard.problem()).isNull();
        free.set(-1); // the reading failed: do not stop the runner for that
        assertThat(guard.problem()).isNull();
        assertThat(new DiskGuard(Path.of("/w"), 0, p -> 0).problem()).isNull();
    }
}
