package dev.runway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The JVM flags the process provider's agents inherit from the scaler (started through bin/runway). */
class ScalerAgentFlagsTest {
    @Test
    void theScalersOwnStartUpArchiveIsNeverHandedToItsAgents() {
        // what bin/runway gives `runway scaler` on its first, second and later runs
        for (String f : List.of(
                "-XX:AOTMode=record",
                "-XX:AOTConfiguration=/root/.cache/runway/cds/scaler.1-2-3.aotconf",
                "-XX:AOTCache=/root/.cache/runway/cds/scaler.1-2-3.aot",
                "-XX:-DisplayVMOutput",
                "-XX:SharedArchiveFile=/root/.cache/runway/cds/scaler.1-2-3.jsa",
                "-XX:+AutoCreateSharedArchive",
                "-XX:ArchiveClassesAtExit=/tmp/x.jsa")) {
            assertThat(ScalerCommand.launcherArchive(f)).as(f).isTrue();
        }
        for (String f : List.of("-Xmx2g", "-XX:+UseZGC", "-XX:TieredStopAtLevel=1", "-XX:+UnlockDiagnosticVMOptions")) {
            assertThat(ScalerCommand.launcherArchive(f)).as(f).isFalse();
        }
    }

    @Test
    void agentsGetTheSerialCollectorAndASmallInitialHeapUnlessTheOperatorChoseOtherwise() {
        assertThat(ScalerCommand.leanAgent(List.of())).containsExactly("-XX:+UseSerialGC", "-Xms8m");
        assertThat(ScalerCommand.leanAgent(List.of("-Xmx512m"))).containsExactly("-XX:+UseSerialGC", "-Xms8m");
        assertThat(ScalerCommand.leanAgent(List.of("-XX:+UseG1GC", "-Xms64m"))).isEmpty();
        assertThat(ScalerCommand.leanAgent(List.of("-XX:+UseParallelGC"))).containsExactly("-Xms8m");
    }

    @Test
    void theAgentCommandCarriesNoneOfTheScalersArchiveFlags() {
        List<String> cmd = ScalerCommand.thisLauncher(null);
        assertThat(cmd).noneMatch(ScalerCommand::launcherArchive);
        assertThat(cmd).contains("-XX:+UseSerialGC").endsWith(Main.class.getName(), "agent");
    }
}
