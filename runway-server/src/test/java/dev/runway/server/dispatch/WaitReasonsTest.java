package dev.runway.server.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.server.store.RunnerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Why a queued job waits, for each state of the fleet a user meets. */
class WaitReasonsTest {
    static final long NOW = 1_700_000_000_000L;
    static final long OFFLINE_AFTER = 60_000;
    final List<RunnerRecord> runners = new ArrayList<>();
    final Map<String, Integer> running = new HashMap<>();

    RunnerRecord runner(String name, int slots, long lastSeenAgo, String unhealthy, String... labels) {
        RunnerRecord r = new RunnerRecord(
                "r-" + name,
                name,
                Set.of(labels),
                slots,
                "test",
                NOW - 3_600_000,
                NOW - lastSeenAgo,
                false,
                unhealthy,
                null,
                null,
                null,
                null,
                null,
                null);
        runners.add(r);
        return r;
    }

    String why(String... labels) {
        return WaitReasons.of(runners, running, NOW, OFFLINE_AFTER).why(Set.of(labels));
    }

    @Test
    void withNoRunnerAtAllItSaysToStartOne() {
        assertThat(why("linux"))
                .isEqualTo("no runner is registered: start one with `runway agent` (needs labels linux)");
    }

    @Test
    void withNoRunnerOfItsLabelsItNamesTheLabelsTheRunnersHave() {
        runner("a", 2, 0, null, "linux", "x64", "local");
        runner("b", 2, 0, null, "linux", "x64", "local");
        runner("c", 1, 0, null, "linux", "arm64");
        assertThat(why("ubuntu-latest"))
                .isEqualTo("no runner has labels ubuntu-latest; the runners have [linux, local, x64] [arm64, linux]");
    }

    @Test
    void manyLabelSetsAreCutShortWithACount() {
        for (int i = 0; i < 8; i++) runner("r" + i, 1, 0, null, "pool-" + i);
        assertThat(why("gpu"))
                .endsWith("and 3 more label sets")
                .contains("[pool-0]")
                .doesNotContain("[pool-7]");
    }

    @Test
    void theLabelSetsClosestToTheJobsComeFirstHoweverManyThereAre() {
        for (int i = 0; i < 8; i++) runner("r" + i, 1, 0, null, "pool-" + i);
        runner("gpu-box", 1, 0, null, "self-hosted", "gpu", "linux");
        runner("cpu-box", 1, 0, null, "self-hosted", "linux");
        assertThat(why("self-hosted", "gpu", "cuda-12"))
                .startsWith("no runner has labels cuda-12, gpu, self-hosted; the runners have"
                        + " [gpu, linux, self-hosted] [linux, self-hosted] [pool-0]")
                .endsWith("and 5 more label sets");
    }

    @Test
    void aDeletedRunnerIsNotCounted() {
        runners.add(new RunnerRecord(
                "r-gone", "gone", Set.of("gpu"), 1, "test", NOW, NOW, true, null, null, null, null, null, null, null));
        assertThat(why("gpu")).startsWith("no runner is registered");
    }

    @Test
    void runnersWithItsLabelsThatAreOfflineOrUnhealthyAreNamed() {
        runner("gpu-1", 1, 5 * 60_000, null, "gpu", "linux");
        runner("gpu-2", 1, 0, "disk: 100 MiB free, below --min-free-disk", "gpu", "linux");
        runner("cpu", 4, 0, null, "linux");
        assertThat(why("gpu"))
                .isEqualTo("every runner with labels gpu is offline or unhealthy (gpu-1 offline, gpu-2 unhealthy): see"
                        + " `runway runners`");
    }

    @Test
    void whenAllMatchingRunnersAreFullItSaysSoWithTheSlots() {
        runner("a", 2, 0, null, "linux");
        runner("b", 1, 0, null, "linux");
        runner("down", 3, 5 * 60_000, null, "linux");
        running.put("r-a", 2);
        running.put("r-b", 1);
        assertThat(why("linux")).isEqualTo("all 2 runner(s) with labels linux are busy (3 of 3 slots in use)");
    }

    @Test
    void aFreeSlotMeansItIsAboutToBeTaken() {
        runner("a", 2, 0, null, "linux", "x64");
        running.put("r-a", 1);
        assertThat(why("linux")).startsWith("a runner with labels linux has a free slot");
        assertThat(why()).startsWith("a runner with any labels has a free slot");
    }
}
