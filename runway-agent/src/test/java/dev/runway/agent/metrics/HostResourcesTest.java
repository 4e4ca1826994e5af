package dev.runway.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.RunnerResources;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostResourcesTest {
    @TempDir
    Path dir;

    @Test
    void cpuIsTheBusyShareBetweenTwoSamplesMemoryIsTotalMinusAvailable() throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.writeString(
                proc.resolve("meminfo"), "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n");
        // user nice system idle iowait irq softirq steal
        Files.writeString(proc.resolve("stat"), "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n");
        HostResources h = new HostResources(proc, dir.resolve("work/not-yet"));
        RunnerResources first = h.sample();
        assertThat(first.cpuRatio()).as("one sample has no interval").isNull();
        assertThat(first.memoryUsedBytes()).isEqualTo(750 * 1024L);
        assertThat(first.memoryTotalBytes()).isEqualTo(1000 * 1024L);
        assertThat(first.diskTotalBytes())
                .as("the nearest existing parent's file system")
                .isPositive();
        assertThat(first.diskRatio()).isBetween(0.0, 1.0);
        // +300 busy, +100 idle, +0 iowait: 75 % busy
        Files.writeString(proc.resolve("stat"), "cpu  300 0 200 800 100 0 0 0 0 0\n");
        assertThat(h.sample().cpuRatio()).isEqualTo(0.75);
        assertThat(h.latest().cpuRatio()).isEqualTo(0.75);
    }

    @Test
    void whatCannotBeReadIsUnknownNotAnError() {
        HostResources h = new HostResources(dir.resolve("no-proc"), dir);
        RunnerResources r = h.sample();
        assertThat(r.cpuRatio()).isNull();
        assertThat(r.memoryUsedBytes()).isNull();
        assertThat(r.memoryRatio()).isNull();
    }
}
