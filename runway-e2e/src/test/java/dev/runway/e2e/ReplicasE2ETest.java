package dev.runway.e2e;

import static dev.runway.e2e.Jobs.aJob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobState;
import dev.runway.server.blobs.S3Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control-plane processes on one PostgreSQL database, agents attached to either: every job, submitted to
 * either replica, runs exactly once.
 */
class ReplicasE2ETest {
    @TempDir
    Path root;

    @Test
    void twoReplicasOnOnePostgresRunEveryJobExactlyOnce() throws Exception {
        try (TestDatabase db = new TestDatabase()) {
            replicas(db.url());
        }
    }

    static final String SHARED = """
            on: push
            jobs:
              make:
                runs-on: side-a
                outputs:
                  sum: ${{ steps.sum.outputs.sum }}
                steps:
                  - run: |
                      mkdir -p dist deps
                      echo alpha > dist/a.txt
                      head -c 3145728 /dev/urandom > dist/big.bin
                      echo "made by $RUNNER_NAME" > deps/x
                  - id: sum
                    run: echo "sum=$(sha256sum dist/big.bin | cut -d' ' -f1)" >> "$GITHUB_OUTPUT"
                  - uses: actions/upload-artifact@v4
                    with:
                      name: dist
                      path: dist/
                  - uses: actions/cache/save@v4
                    with:
                      path: deps
                      key: deps-1
              use:
                needs: make
                runs-on: side-b
                steps:
                  - uses: actions/download-artifact@v4
                    with:
                      name: dist
                      path: got
                  - run: test "$(sha256sum got/big.bin | cut -d' ' -f1)" = "${{ needs.make.outputs.sum }}"
                  - id: c
                    uses: actions/cache/restore@v4
                    with:
                      path: deps
                      key: deps-1
                  - run: |
                      echo "hit=${{ steps.c.outputs.cache-hit }}"
                      echo "cached: $(cat deps/x)"
            """;

    /**
     * Artifacts and caches uploaded by a job whose agent talks to replica A are downloaded by a job whose agent talks
     * to replica B, and by the CLI through B, byte for byte: both replicas keep bodies in one S3 bucket (S3Proxy, a
     * real S3 server in its own process).
     */
    @Test
    void artifactsAndCachesUploadedThroughOneReplicaAreServedByTheOther() throws Exception {
        try (TestDatabase db = new TestDatabase();
                S3Proxy s3 = S3Proxy.start(Files.createDirectories(root.resolve("s3")))) {
            s3.createBucket("runway-blobs");
            String[] blobs = {
                "--database-url",
                db.url(),
                "--blob-store",
                "s3://runway-blobs/ci",
                "--blob-store-endpoint",
                s3.endpoint().toString()
            };
            shared(blobs, s3.env(), true);
            try (var c = s3.client()) {
                assertThat(c.listObjectsV2(r -> r.bucket("runway-blobs").prefix("ci/")).contents().stream()
                                .map(o -> o.key())
                                .filter(k -> !k.endsWith("/")))
                        .as("the bodies are in the bucket, under the prefix")
                        .anyMatch(k -> k.startsWith("ci/artifacts/"))
                        .anyMatch(k -> k.startsWith("ci/caches/"));
            }
        }
    }

    /**
     * The same run without a blob store: each replica keeps bodies in its own data dir, so B cannot serve what A
     * received — and says why rather than failing with a server error. (The test above would catch a store that did
     * not share.)
     */
    @Test
    void withoutASharedBlobStoreTheOtherReplicaSaysWhyItCannotServe() throws Exception {
        try (TestDatabase db = new TestDatabase()) {
            shared(new String[] {"--database-url", db.url()}, Map.of(), false);
        }
    }

    private void shared(String[] serverArgs, Map<String, String> env, boolean sharedStore) throws Exception {
        Path repo = WorkflowRunsE2ETest.repo(root, Map.of(".github/workflows/shared.yml", SHARED));
        try (Cluster a = new Cluster(root.resolve("a"), serverArgs)
                        .serverEnv(env)
                        .start();
                Cluster b = new Cluster(root.resolve("b"), serverArgs)
                        .serverEnv(env)
                        .start()) {
            a.startAgent("on-a", "side-a");
            b.startAgent("on-b", "side-b");
            RunwayProcess submit =
                    a.cli("submit", "-w", ".github/workflows/shared.yml", "--repo", repo.toString(), "-f");
            submit.awaitExit(Duration.ofSeconds(120));
            String runId = submit.output().lines().findFirst().orElseThrow().strip();
            dev.runway.protocol.RunView run = b.api().run(runId);
            Map<String, dev.runway.protocol.JobView> jobs = WorkflowRunsE2ETest.byName(run);
            assertThat(jobs.get("make").state())
                    .as(a.api().logs(jobs.get("make").id()))
                    .isEqualTo(JobState.SUCCEEDED);
            String useLog = b.api().logs(jobs.get("use").id());
            Path out = root.resolve("downloads");
            RunwayProcess download = b.cli("artifacts", "download", runId, "dist", "-o", out.toString());
            int exit = download.awaitExit(Duration.ofSeconds(60));
            if (sharedStore) {
                assertThat(b.server().output()).contains("artifacts and caches are kept in s3://runway-blobs/ci/ at");
                assertThat(jobs.get("use").state()).as(useLog).isEqualTo(JobState.SUCCEEDED);
                assertThat(useLog).contains("hit=true").contains("cached: made by on-a");
                assertThat(exit).as(download.output()).isZero();
                try (var z = new java.util.zip.ZipFile(out.resolve("dist.zip").toFile())) {
                    assertThat(z.stream().map(java.util.zip.ZipEntry::getName))
                            .containsExactlyInAnyOrder("a.txt", "big.bin");
                    assertThat(new String(z.getInputStream(z.getEntry("a.txt")).readAllBytes()))
                            .isEqualTo("alpha\n");
                }
            } else {
                assertThat(b.server().output())
                        .contains("other replicas on this database cannot serve them; give every replica the same"
                                + " --blob-store");
                assertThat(jobs.get("use").state()).isEqualTo(JobState.FAILED);
                assertThat(useLog).contains("is listed but its body is not in this control plane's blob store");
                assertThat(exit).isNotZero();
                assertThat(download.output())
                        .contains("artifact 'dist' of run " + runId + " is listed but its body is not in this")
                        .contains("--blob-store")
                        .doesNotContain("Exception");
            }
        }
    }

    private void replicas(String url) throws Exception {
        Path ran = root.resolve("ran.txt");
        try (Cluster a = new Cluster(root.resolve("a"), "--database-url", url).start();
                Cluster b = new Cluster(root.resolve("b"), "--database-url", url).start()) {
            a.startAgent("on-a-1", "linux", "--slots", "3");
            a.startAgent("on-a-2", "linux", "--slots", "3");
            b.startAgent("on-b-1", "linux", "--slots", "3");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Cluster via = i % 2 == 0 ? a : b;
                ids.add(via.api()
                        .submit(aJob("r" + i)
                                .step("s", "echo $RUNWAY_JOB_ID >> " + ran)
                                .build())
                        .id());
            }
            for (String id : ids) a.awaitState(id, JobState.SUCCEEDED, Duration.ofSeconds(60));
            Map<String, Long> counts = Files.readAllLines(ran).stream()
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(counts.values()).allMatch(n -> n == 1);
            assertThat(ids.stream()
                            .map(id -> b.api().job(id).runnerName())
                            .distinct()
                            .count())
                    .as("work spread over runners")
                    .isGreaterThan(1);
        }
    }
}
