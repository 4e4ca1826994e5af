package dev.runway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.JobView;
import dev.runway.protocol.RunView;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets from `runway secrets set` (standard input or a file) to a workflow job, as separate processes: the job
 * that references them gets the repository's value over the global one, its log shows only ***, a job that
 * references none gets none, the database file holds no value, and a master key rotation keeps them usable.
 */
class SecretsE2ETest {
    static final String WEB_KEY = "deploy-key-for-web-0123";
    static final String GLOBAL_KEY = "global-deploy-key-999";
    static final String OTHER = "another-global-secret-42";

    static final String WORKFLOW =
            """
            on: push
            jobs:
              use:
                runs-on: linux
                steps:
                  - name: show
                    env:
                      KEY: ${{ secrets.DEPLOY_KEY }}
                    run: |
                      echo "the key is $KEY"
                      echo "other: ${{ secrets.other_one }}"
                      test "$(printf %%s "$KEY" | sha256sum | cut -c1-64)" = "%s"
                      echo "unset: [${{ secrets.NOT_SET }}]"
              plain:
                runs-on: linux
                steps:
                  - run: echo nothing secret here
                  - name: no runway credential in the job's environment
                    run: if env | grep -q 'rw[acjr]_'; then echo CREDENTIAL-IN-ENV; exit 1; else echo env clean; fi
            """.formatted(sha256(WEB_KEY)); // the value itself must not be in the workflow (it is stored)

    static String sha256(String s) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                            .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @TempDir
    Path root;

    @Test
    void aJobGetsTheSecretsItReferencesMaskedAndTheDatabaseHoldsNoValue() throws Exception {
        Path repo = Files.createDirectories(root.resolve("acme").resolve("web"));
        WorkflowRunsE2ETest.git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve(".github/workflows"));
        Files.writeString(repo.resolve(".github/workflows/ci.yml"), WORKFLOW);
        WorkflowRunsE2ETest.git(repo, "add", "-A");
        WorkflowRunsE2ETest.git(repo, "-c", "user.email=t@runway.dev", "-c", "user.name=t", "commit", "-q", "-m", "ci");
        try (Cluster c = new Cluster(root.resolve("cluster")).start()) {
            Path global = Files.writeString(root.resolve("global.txt"), GLOBAL_KEY);
            ok(c.cli("secrets", "set", "DEPLOY_KEY", "--file", global.toString()));
            Path web = Files.writeString(root.resolve("web.txt"), WEB_KEY + "\n"); // as `echo ... |` would send it
            RunwayProcess set = c.cliWithInput(web, "secrets", "set", "deploy_key", "--repo", "acme/web");
            ok(set);
            assertThat(set.output()).contains("created secret DEPLOY_KEY for acme/web");
            ok(c.cliWithInput(Files.writeString(root.resolve("other.txt"), OTHER), "secrets", "set", "OTHER_ONE"));
            RunwayProcess shortOne =
                    c.cliWithInput(Files.writeString(root.resolve("short.txt"), "abc"), "secrets", "set", "PIN");
            ok(shortOne);
            assertThat(shortOne.output()).contains("warning: the value is shorter than 4 characters");

            RunwayProcess ls = c.cli("secrets", "ls");
            ok(ls);
            assertThat(ls.output())
                    .contains("DEPLOY_KEY", "acme/web", "(all)", "OTHER_ONE")
                    .doesNotContain(WEB_KEY, GLOBAL_KEY, OTHER);

            c.startAgent("w1", "linux");
            RunView run = runWorkflow(c, repo);
            JobView use = job(run, "use");
            String log = c.api().logs(use.id());
            assertThat(log)
                    .contains("the key is ***")
                    .contains("other: ***")
                    .contains("unset: []")
                    .doesNotContain(WEB_KEY, GLOBAL_KEY, OTHER);
            String server = c.server().output();
            assertThat(server).contains("job " + use.id() + " attempt 1: secrets [DEPLOY_KEY, OTHER_ONE] delivered");
            assertThat(server).doesNotContain("job " + job(run, "plain").id() + " attempt 1: secrets");
            assertThat(c.api().logs(job(run, "plain").id())).contains("env clean");

            // the database file and its write-ahead log, as a thief would copy them from the running server
            StringBuilder raw = new StringBuilder();
            for (String f : new String[] {"runway.db", "runway.db-wal"}) {
                Path p = c.dataDir().resolve(f);
                if (Files.exists(p)) raw.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
            assertThat(raw.toString()).contains("DEPLOY_KEY").doesNotContain(WEB_KEY, GLOBAL_KEY, OTHER);

            RunwayProcess rotate = c.cli("secrets", "rotate-key");
            ok(rotate);
            assertThat(rotate.output()).contains("4 secret(s) re-encrypted");
            assertThat(c.dataDir().resolve("master.key.previous")).exists();
            RunView again = runWorkflow(c, repo);
            assertThat(c.api().logs(job(again, "use").id())).contains("the key is ***");

            RunwayProcess audit = c.cli("audit", "ls", "--kind", "secret.", "--since", "1h");
            ok(audit);
            assertThat(audit.output())
                    .contains("secret.set", "acme/web:DEPLOY_KEY", "secret.delivered", use.id() + "/1")
                    .doesNotContain(WEB_KEY, GLOBAL_KEY, OTHER);
            RunwayProcess verify = c.cli("audit", "verify");
            ok(verify);
            assertThat(verify.output()).contains("audit log intact");
            // someone with write access to the database edits a record: the chain says so
            try (var db = java.sql.DriverManager.getConnection(
                            "jdbc:sqlite:" + c.dataDir().resolve("runway.db"));
                    var st = db.createStatement()) {
                st.execute("PRAGMA busy_timeout = 5000");
                st.executeUpdate("UPDATE audit SET actor = 'someone-else' WHERE kind = 'secret.delivered'");
            }
            RunwayProcess broken = c.cli("audit", "verify");
            assertThat(broken.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(broken.output()).contains("audit log BROKEN at record").contains("was altered");

            ok(c.cli("secrets", "rm", "DEPLOY_KEY", "--repo", "acme/web"));
            RunwayProcess missing = c.cli("secrets", "rm", "DEPLOY_KEY", "--repo", "acme/web");
            assertThat(missing.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(missing.output()).contains("no secret DEPLOY_KEY for acme/web");
            RunwayProcess bad = c.cli("secrets", "set", "GITHUB_TOKEN", "--file", global.toString());
            assertThat(bad.awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(bad.output()).contains("reserved").doesNotContain("Exception");
        }
    }

    static RunView runWorkflow(Cluster c, Path repo) {
        RunwayProcess submit = c.cli("submit", "-w", ".github/workflows/ci.yml", "--repo", repo.toString(), "-f");
        assertThat(submit.awaitExit(Duration.ofSeconds(90)))
                .as(submit.output() + c.outputs())
                .isZero();
        return c.api().run(submit.output().lines().findFirst().orElseThrow().strip());
    }

    static JobView job(RunView run, String name) {
        return run.jobs().stream()
                .filter(j -> j.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    static void ok(RunwayProcess p) {
        assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.output()).isZero();
    }
}
