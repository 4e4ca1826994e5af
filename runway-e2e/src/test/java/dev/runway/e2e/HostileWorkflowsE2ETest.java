package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.runway.protocol.ApiError;
import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.RunRequest;
import dev.runway.protocol.RunView;
import dev.runway.workflow.HostileYaml;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workflow files written to take the control plane down, through the real processes: {@code runway validate} on a
 * directory of them reports every file and exits 1 without a stack trace; and a run of one is refused within seconds
 * while an agent keeps polling and heartbeating and another run's job completes.
 */
class HostileWorkflowsE2ETest {
    @TempDir
    Path root;

    /** File name to contents, and what the report of each must say. */
    static Map<String, byte[]> hostileFiles() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("deep-flow.yml", HostileYaml.deepFlow(100_000, true).getBytes());
        f.put("deep-block.yml", HostileYaml.deepBlock(100_000).getBytes());
        f.put("long-line.yml", HostileYaml.longLine(10 << 20).getBytes());
        f.put("laughs.yml", HostileYaml.laughs().getBytes());
        f.put("matrix.yml", HostileYaml.matrix(10, 10).getBytes());
        f.put("expression.yml", HostileYaml.hugeExpression(30_000).getBytes());
        f.put("junk.yml", HostileYaml.junk(16, 16_384));
        f.put("latin1.yml", "on: push\nname: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        f.put("empty.yml", new byte[0]);
        f.put("nul.yml", "on: push\njobs: \0\n".getBytes());
        f.put("valid.yml", "on: push\njobs: {j: {runs-on: linux, steps: [{run: echo}]}}\n".getBytes());
        return f;
    }

    static final Map<String, String> SAYS = Map.of(
            "deep-flow.yml", "deep-flow.yml:2:",
            "deep-block.yml", "Maximum object depth exceeded",
            "long-line.yml", "long-line.yml:1:1: error: the file is 10485817 bytes; a workflow file may have at most",
            "laughs.yml", "laughs.yml:8:23: error: more than 50 aliases",
            "matrix.yml", "matrix.yml:7:9: error: the matrix has 10000000000 combinations; at most 256",
            "expression.yml", "Exceeded max expression length 21000",
            "junk.yml", "junk.yml:",
            "latin1.yml", "latin1.yml:2:10: error: the file is not UTF-8 text",
            "empty.yml", "empty.yml:1:1: error: the file is empty",
            "nul.yml", "nul.yml:2:7: error: invalid YAML: the character U+0000 is not allowed");

    @Test
    void validateReportsEveryHostileFileOfADirectoryWithoutAStackTrace() throws Exception {
        Path dir = Files.createDirectories(root.resolve("hostile"));
        for (var e : hostileFiles().entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
        long t0 = System.nanoTime();
        RunwayProcess cli =
                RunwayProcess.start(root.resolve("logs"), "validate", Map.of(), List.of("validate", dir.toString()));
        int code = cli.awaitExit(Duration.ofSeconds(120));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("runway validate on " + hostileFiles().size() + " hostile files took " + ms + " ms");
        String out = cli.output() + cli.stderr();
        assertThat(code).as(out).isEqualTo(1);
        SAYS.forEach((file, says) -> assertThat(out).as(file).contains(says));
        assertThat(out)
                .doesNotContain("valid.yml:", "Exception", "\tat ", "StackOverflow", "OutOfMemory")
                .contains("11 file(s)");
        assertThat(Duration.ofMillis(ms)).as("the whole directory").isLessThan(Duration.ofSeconds(60));
    }

    static final String SLOW_OK = """
            on: push
            jobs:
              steady:
                runs-on: linux
                steps:
                  - run: sleep 4; echo steady done
            """;

    /** A matrix known only at run time: a job's output makes it 10 keys of 10 values. */
    static final String DYNAMIC = """
            on: push
            jobs:
              make:
                runs-on: linux
                outputs:
                  m: ${{ steps.m.outputs.m }}
                steps:
                  - id: m
                    run: |
                      v='[0,1,2,3,4,5,6,7,8,9]'
                      echo "m={\\"a\\":$v,\\"b\\":$v,\\"c\\":$v,\\"d\\":$v,\\"e\\":$v,\\"f\\":$v,\\"g\\":$v,\\"h\\":$v,\\"i\\":$v,\\"j\\":$v}" >> "$GITHUB_OUTPUT"
              big:
                needs: make
                runs-on: linux
                strategy:
                  matrix: ${{ fromJSON(needs.make.outputs.m) }}
                steps:
                  - run: echo never
            """;

    @Test
    void aHostileRunIsRefusedWithinSecondsWhileARunnerWorksAndAnotherRunCompletes() throws Exception {
        try (Cluster c = new Cluster(root).start()) {
            c.startAgent("w1", "linux");
            RunView steady = c.api().startRun(new RunRequest(null, null, "steady.yml", SLOW_OK, null, Map.of()));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> c.api().run(steady.id()).jobs().get(0).state() == JobState.RUNNING);

            for (String text :
                    List.of(HostileYaml.matrix(10, 10), HostileYaml.laughs(), HostileYaml.deepFlow(100_000, false))) {
                long t0 = System.nanoTime();
                Api.Response r = c.api()
                        .json(
                                "POST",
                                ApiPaths.RUNS,
                                c.adminToken(),
                                new RunRequest(null, null, "evil.yml", text, null, Map.of()));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("hostile run refused with " + r.status() + " in " + ms + " ms");
                assertThat(r.status()).as(r.body()).isEqualTo(400);
                ApiError e = Json.lenient().readValue(r.body(), ApiError.class);
                assertThat(e.error()).isEqualTo("bad_request");
                assertThat(e.message()).startsWith("the workflow has errors:").contains("evil.yml:");
                assertThat(Duration.ofMillis(ms)).isLessThan(Duration.ofSeconds(5));
            }

            RunView dynamic = c.api().startRun(new RunRequest(null, null, "dynamic.yml", DYNAMIC, null, Map.of()));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().run(dynamic.id()).state().isTerminal());
            RunView d = c.api().run(dynamic.id());
            assertThat(d.state()).isEqualTo(JobState.FAILED);
            JobView big = d.jobs().stream()
                    .filter(j -> j.name().startsWith("big"))
                    .findFirst()
                    .orElseThrow();
            assertThat(big.reason()).contains("the matrix has 10000000000 combinations; at most 256");

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> c.api().run(steady.id()).state().isTerminal());
            RunView s = c.api().run(steady.id());
            assertThat(s.state()).as(c.outputs()).isEqualTo(JobState.SUCCEEDED);
            assertThat(c.api().logs(s.jobs().get(0).id())).contains("steady done");
        }
    }
}
