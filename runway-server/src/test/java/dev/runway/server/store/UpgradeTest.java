package dev.runway.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runway.protocol.ApiPaths;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.JobState;
import dev.runway.protocol.JobView;
import dev.runway.protocol.Json;
import dev.runway.protocol.PollRequest;
import dev.runway.protocol.RegisterRequest;
import dev.runway.protocol.RegisterResponse;
import dev.runway.protocol.RegistrationTokenRequest;
import dev.runway.protocol.RegistrationTokenView;
import dev.runway.protocol.RunView;
import dev.runway.protocol.StepSpec;
import dev.runway.server.RunwayServer;
import dev.runway.server.ServerConfig;
import dev.runway.server.TestClock;
import dev.runway.server.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store made by an older release: the schema as of V19 (before run attempts, variables, environments and
 * retention), filled with plain SQL the way that release wrote its rows, then opened by the server's normal start,
 * which migrates it to the latest schema; the old rows are served, claimed, and retention works on them.
 */
class UpgradeTest {
    static final String OLD_SCHEMA = "19";
    static final long T0 = 1_800_000_000_000L;
    static final HttpClient http = HttpClient.newHttpClient();
    static final String WORKFLOW =
            "name: ci\non: push\njobs:\n  build:\n    runs-on: linux\n    steps:\n      - run: echo hi\n";

    @TempDir
    Path dir;

    record Answer(int status, String body, byte[] bytes) {}

    static Answer call(RunwayServer s, String method, String path, String token, Object body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(Json.lenient().writeValueAsString(body)));
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.body());
    }

    static <T> T as(Answer a, Class<T> type) throws Exception {
        assertThat(a.status()).as(a.body()).isBetween(200, 299);
        return Json.lenient().readValue(a.body(), type);
    }

    @Test
    void aStoreOfAnOlderSchemaIsMigratedAtStartAndItsRowsAreServedClaimedAndRetained() throws Exception {
        ServerConfig config = TestDatabases.sqlite(dir.resolve("data")).toBuilder()
                .adminToken("rwa_upgrade_test_admin_token_0123456789")
                .build();
        byte[] zip = "PK-an-old-artifact".getBytes(StandardCharsets.UTF_8);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip));
        String spec = Json.lenient()
                .writeValueAsString(new JobSpec(
                        "old-queued", List.of("linux"), null, List.of(StepSpec.of("s", "true")), null, null));
        try (Database old = Database.open(config, OLD_SCHEMA)) {
            assertThat(old.read(Database::schemaVersion)).isEqualTo(19);
            old.tx(c -> {
                Sql.update(
                        c,
                        "INSERT INTO runs (id, name, workflow_path, workflow, event, inputs, state, created_at,"
                                + " finished_at, repo, ref, sha) VALUES ('run-old', 'ci', '.github/workflows/ci.yml', ?,"
                                + " 'push', '{}', 'succeeded', ?, ?, 'acme/app', 'refs/heads/main', 'abc123')",
                        WORKFLOW,
                        T0,
                        T0 + 60_000);
                Sql.update(
                        c,
                        "INSERT INTO jobs (id, name, spec, labels, state, attempt, max_attempts, timeout_ms, runner_id,"
                                + " runner_name, created_at, queued_at, started_at, finished_at, run_id, job_key,"
                                + " matrix_index, matrix_total) VALUES ('job-old', 'build', '{}', 'linux', 'succeeded', 1,"
                                + " 2, 60000, 'runner-old', 'old-runner', ?, ?, ?, ?, 'run-old', 'build', 0, 1)",
                        T0,
                        T0,
                        T0 + 1000,
                        T0 + 60_000);
                Sql.update(
                        c,
                        "INSERT INTO attempts (job_id, attempt, runner_id, token_hash, state, lease_expires_at,"
                                + " started_at, ended_at, log_received, log_stored) VALUES ('job-old', 1, 'runner-old',"
                                + " 'old-token-hash', 'succeeded', 0, ?, ?, 12, 12)",
                        T0 + 1000,
                        T0 + 60_000);
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES ('job-old', 1, 0, ?)",
                        "hello\n".getBytes(StandardCharsets.UTF_8));
                Sql.update(
                        c,
                        "INSERT INTO log_chunks (job_id, attempt, start_offset, data) VALUES ('job-old', 1, 6, ?)",
                        "world\n".getBytes(StandardCharsets.UTF_8));
                Sql.update(
                        c,
                        "INSERT INTO jobs (id, name, spec, labels, state, max_attempts, timeout_ms, created_at,"
                                + " queued_at) VALUES ('job-queued', 'old-queued', ?, 'linux', 'queued', 2, 60000, ?, ?)",
                        spec,
                        T0,
                        T0);
                Sql.update(c, "INSERT INTO label_sets (labels) VALUES ('linux')");
                Sql.update(c, "INSERT INTO label_set_members (labels, label) VALUES ('linux', 'linux')");
                return Sql.update(
                        c,
                        "INSERT INTO artifacts (run_id, name, job_id, attempt, size, sha256, created_at)"
                                + " VALUES ('run-old', 'dist', 'job-old', 1, ?, ?, ?)",
                        zip.length,
                        sha,
                        T0 + 50_000);
            });
        }
        // where the previous release kept it: artifacts/<run>/<first 16 bytes of sha256(name), hex>/<job>-<attempt>.zip
        Path file = config.dataDir()
                .resolve("artifacts/run-old")
                .resolve(HexFormat.of()
                        .formatHex(
                                java.security.MessageDigest.getInstance("SHA-256")
                                        .digest("dist".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                                0,
                                16))
                .resolve("job-old-1.zip");
        Files.createDirectories(file.getParent());
        Files.write(file, zip);

        TestClock clock = new TestClock(T0 + Duration.ofDays(1).toMillis());
        try (RunwayServer server = RunwayServer.start(config, clock)) {
            String admin = server.adminToken();
            JobView job = as(call(server, "GET", ApiPaths.withId(ApiPaths.JOB, "job-old"), admin, null), JobView.class);
            assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(job.runnerName()).isEqualTo("old-runner");
            Answer log = call(server, "GET", ApiPaths.withId(ApiPaths.JOB_LOGS, "job-old"), admin, null);
            assertThat(log.body()).isEqualTo("hello\nworld\n");
            RunView run = as(call(server, "GET", ApiPaths.withId(ApiPaths.RUN, "run-old"), admin, null), RunView.class);
            assertThat(run.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(run.attempt())
                    .as("run attempts came after V19: an old run is its first")
                    .isEqualTo(1);
            assertThat(run.jobs()).extracting(JobView::id).containsExactly("job-old");
            Answer download = call(
                    server,
                    "GET",
                    ApiPaths.withId(ApiPaths.RUN_ARTIFACT, "run-old").replace("{name}", "dist"),
                    admin,
                    null);
            assertThat(download.status()).isEqualTo(200);
            assertThat(download.bytes()).isEqualTo(zip);

            // a job queued by the old release is claimed by a runner registered now
            String reg = as(
                            call(
                                    server,
                                    "POST",
                                    ApiPaths.REGISTRATION_TOKENS,
                                    admin,
                                    new RegistrationTokenRequest("5m", 1)),
                            RegistrationTokenView.class)
                    .token();
            RegisterResponse runner = as(
                    call(
                            server,
                            "POST",
                            ApiPaths.RUNNERS_REGISTER,
                            null,
                            new RegisterRequest(reg, "new", List.of("linux"), 1, "t")),
                    RegisterResponse.class);
            Assignment a = as(
                    call(server, "POST", ApiPaths.RUNNER_JOBS_NEXT, runner.credential(), new PollRequest(5)),
                    Assignment.class);
            assertThat(a.jobId()).isEqualTo("job-queued");

            // retention works on rows the old release wrote (their attempts have no log_removed_at of their own)
            clock.advance(Duration.ofDays(91));
            assertThat(server.retainNow().logs()).isEqualTo(1);
            assertThat(call(server, "GET", ApiPaths.withId(ApiPaths.JOB_LOGS, "job-old"), admin, null)
                            .body())
                    .isEqualTo("[runway] log removed by retention after 90 days\n");
        }
        try (Database migrated = Database.open(config)) {
            assertThat(migrated.read(Database::schemaVersion)).isEqualTo(Database.LATEST_SCHEMA_VERSION);
        }
    }

    @Test
    void aStoreMigratedByANewerRunwayIsRefusedAtOpenSayingWhatToDo() {
        ServerConfig config = TestDatabases.sqlite(dir.resolve("newer"));
        int newer = Database.LATEST_SCHEMA_VERSION + 1;
        try (Database db = Database.open(config)) {
            db.tx(c -> Sql.update(
                    c,
                    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                            + " installed_by, installed_on, execution_time, success)"
                            + " VALUES (1000, ?, 'from the future', 'SQL', ?, 0, 'runway', CURRENT_TIMESTAMP, 1, 1)",
                    Integer.toString(newer),
                    "V" + newer + "__from_the_future.sql"));
        }
        assertThatThrownBy(() -> Database.open(config))
                .isInstanceOf(Database.NewerSchemaException.class)
                .hasMessageContaining("version " + newer)
                .hasMessageContaining("newer than this Runway knows (" + Database.LATEST_SCHEMA_VERSION + ")")
                .hasMessageContaining("restore the backup");
    }
}
