package dev.runway.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/runway's start-up archives (its header; docs/benchmarks.md): on Java 25 the first run of a command records
 * what it loaded, the next makes an AOT cache in the background, the ones after use it; none writes anything to the
 * terminal beyond the command's own output, and an archive of another jar build goes when a new one is made.
 */
class LauncherTest {
    record Run(int exit, String out, String err) {}

    static Run runway(Path cds, String... args) throws Exception {
        Path root = DebPackageTest.repo();
        List<String> cmd =
                new java.util.ArrayList<>(List.of(root.resolve("bin/runway").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("RUNWAY_CDS_DIR", cds.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("RUNWAY_JAVA_OPTS");
        Process p = pb.start();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        return new Run(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theFirstRunRecordsTheSecondMakesTheCacheTheThirdUsesItAndNoneIsNoisy(@TempDir Path cds) throws Exception {
        assertThat(Runtime.version().feature())
                .as("this test runs on Java 25 or later")
                .isGreaterThanOrEqualTo(25);
        Files.writeString(cds.resolve("status.1-2-3.aot"), "an archive of another jar build");
        Files.writeString(cds.resolve("status.1-2-3.aotconf"), "its recording");

        Run first = runway(cds, "status", "--help");
        assertThat(first.exit()).isZero();
        assertThat(first.err()).isEmpty();
        assertThat(files(cds)).singleElement().asString().startsWith("status.").endsWith(".aotconf");

        Run second = runway(cds, "status", "--help");
        assertThat(second.exit()).isZero();
        assertThat(second.err()).isEmpty();
        assertThat(second.out()).isEqualTo(first.out());
        await().atMost(Duration.ofSeconds(90)).until(() -> files(cds).stream().anyMatch(f -> f.endsWith(".aot")));
        await().atMost(Duration.ofSeconds(30)).until(() -> files(cds).size() == 1);
        String cache = files(cds).get(0);
        assertThat(cache).startsWith("status.").endsWith(".aot");
        assertThat(Files.size(cds.resolve(cache))).isGreaterThan(1_000_000);

        Run third = runway(cds, "status", "--help");
        assertThat(third.exit()).isZero();
        assertThat(third.err()).isEmpty();
        assertThat(third.out()).isEqualTo(first.out());
        assertThat(files(cds)).containsExactly(cache);
    }

    @Test
    void aBrokenCacheIsIgnoredAndTheCommandStillRuns(@TempDir Path cds) throws Exception {
        Run first = runway(cds, "status", "--help");
        String conf = files(cds).get(0);
        Files.delete(cds.resolve(conf));
        Files.writeString(cds.resolve(conf.replace(".aotconf", ".aot")), "not an AOT cache");
        Run broken = runway(cds, "status", "--help");
        assertThat(broken.exit()).isZero();
        assertThat(broken.out()).isEqualTo(first.out());
        assertThat(broken.err()).isEmpty();
    }

    @Test
    void theAgentRunsWithTheSerialCollectorAndASmallInitialHeapOtherCommandsWithC1(@TempDir Path cds) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(DebPackageTest.repo().resolve("bin/runway").toString(), "agent", "--help");
        pb.environment().put("RUNWAY_CDS", "0");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("RUNWAY_JAVA_OPTS", "-XX:+PrintCommandLineFlags");
        Process p = pb.redirectErrorStream(true).start();
        String agent = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(agent).isZero();
        assertThat(agent).contains("-XX:+UseSerialGC").contains("-XX:InitialHeapSize=8388608");
        assertThat(agent).doesNotContain("-XX:TieredStopAtLevel=1");

        pb.command(DebPackageTest.repo().resolve("bin/runway").toString(), "status", "--help");
        p = pb.start();
        String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(status).isZero();
        assertThat(status).contains("-XX:TieredStopAtLevel=1").doesNotContain("-XX:InitialHeapSize=8388608");
    }

    @Test
    void withArchivesOffNothingIsWritten(@TempDir Path cds) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(DebPackageTest.repo().resolve("bin/runway").toString(), "--version");
        pb.environment().put("RUNWAY_CDS_DIR", cds.toString());
        pb.environment().put("RUNWAY_CDS", "0");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(files(cds)).isEmpty();
    }
}
