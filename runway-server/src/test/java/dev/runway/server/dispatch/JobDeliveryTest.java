package dev.runway.server.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobState;
import dev.runway.protocol.StepResult;
import dev.runway.server.TestDatabases;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.secrets.MasterKey;
import dev.runway.server.secrets.SecretStore;
import dev.runway.server.store.Database;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.Labels;
import dev.runway.server.store.RunnerRecord;
import dev.runway.server.store.RunnerStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A claimed attempt handed to its runner, against a real SQLite store: limits, secrets, their audit and scrubbing. */
class JobDeliveryTest {
    static final String WEB_KEY = "web-key-0123456789abcdef";
    static final String GLOBAL_KEY = "global-key-0123456789abcdef";
    static final String TOKEN = "global-token-0123456789abcdef";

    @TempDir
    Path dir;

    Database db;
    JobStore jobs;
    RunnerStore runners;
    SecretStore secrets;
    AuditLog audit;
    JobDelivery delivery;
    long now = 1_000_000;

    @BeforeEach
    void open() {
        db = Database.open(TestDatabases.sqlite(dir));
        jobs = new JobStore(db);
        runners = new RunnerStore(db);
        secrets = new SecretStore(db, MasterKey.loadOrCreate(dir.resolve("master.key")));
        audit = new AuditLog(db, InstantSource.fixed(Instant.ofEpochMilli(now)));
        delivery = new JobDelivery(secrets, null, audit, Duration.ofSeconds(30), Duration.ofMillis(1500));
        secrets.set("", "DEPLOY_KEY", GLOBAL_KEY, now);
        secrets.set("acme/web", "DEPLOY_KEY", WEB_KEY, now);
        secrets.set("", "TOKEN", TOKEN, now);
        secrets.set("", "UNUSED", "never-sent-0123456789", now);
    }

    @AfterEach
    void close() {
        db.close();
    }

    /** A job whose one step mentions {@code secrets.DEPLOY_KEY} and {@code secrets['token']}; a workflow job if repo. */
    JobStore.Claim claimed(String contexts) {
        String spec = "{\"name\":\"deploy\",\"labels\":[\"linux\"],\"timeoutSeconds\":5,\"maxAttempts\":9,"
                + "\"steps\":[{\"run\":\"deploy ${{ secrets.DEPLOY_KEY }} ${{ secrets['token'] }}\"}]"
                + (contexts == null ? "" : ",\"contexts\":" + contexts)
                + "}";
        jobs.insert("deploy", spec, Labels.normalise(List.of("linux")), 3, 600_000, now);
        String reg = runners.createRegistrationToken(now, now + 3_600_000, 1).token();
        RunnerRecord r = runners.register(reg, "r1", Labels.normalise(List.of("linux")), 1, "test", now)
                .runner();
        return jobs.claim(r.id(), r.name(), r.labels(), r.slots(), now, 30_000);
    }

    @Test
    void aWorkflowJobGetsTheSecretsItMentionsItsRepositorysFirstAndTheDeliveryIsAudited() throws Exception {
        JobStore.Claim claim = claimed("{\"github\":{\"repository\":\"acme/web\",\"sha\":\"abc\"},\"env\":{}}");

        Assignment a = delivery.assign("runner-1", claim);

        assertThat(a.secrets()).containsExactlyInAnyOrderEntriesOf(Map.of("DEPLOY_KEY", WEB_KEY, "TOKEN", TOKEN));
        assertThat(a.jobId()).isEqualTo(claim.job().id());
        assertThat(a.attempt()).isEqualTo(1);
        assertThat(a.jobToken()).isEqualTo(claim.jobToken());
        // the limits the server stored, not the ones the spec asked for
        assertThat(a.spec().timeoutSeconds()).isEqualTo(600);
        assertThat(a.spec().maxAttempts()).isEqualTo(3);
        assertThat(a.leaseSeconds()).isEqualTo(30);
        assertThat(a.heartbeatSeconds()).isEqualTo(1);
        List<AuditLog.Entry> delivered = audit.list(0, "secret.delivered", 10);
        assertThat(delivered).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("runner-1");
            assertThat(e.subject()).isEqualTo(claim.job().id() + "/1");
            assertThat(e.detail()).isEqualTo("DEPLOY_KEY,TOKEN"); // names, sorted; never a value
        });
    }

    @Test
    void aWorkflowJobWithoutARepositoryGetsTheGlobalSecrets() throws Exception {
        Assignment a = delivery.assign("runner-1", claimed("{\"github\":{\"sha\":\"abc\"}}"));
        assertThat(a.secrets()).containsEntry("DEPLOY_KEY", GLOBAL_KEY).containsEntry("TOKEN", TOKEN);
    }

    @Test
    void aJobOfARunWhoseSecretsAreWithheldGetsNoneAndTheWithholdingIsAudited() throws Exception {
        JobStore.Claim claim = claimed("{\"github\":{\"repository\":\"acme/web\"},"
                + "\"runway\":{\"secretsWithheld\":\"a pull request from the fork mallory/web\"}}");

        Assignment a = delivery.assign("runner-1", claim);

        assertThat(a.secrets()).isEmpty();
        assertThat(a.toString()).doesNotContain(WEB_KEY).doesNotContain(TOKEN);
        assertThat(audit.list(0, "secret.delivered", 10)).isEmpty();
        assertThat(audit.list(0, "secret.withheld", 10)).singleElement().satisfies(e -> {
            assertThat(e.subject()).isEqualTo(claim.job().id() + "/1");
            assertThat(e.detail()).isEqualTo("DEPLOY_KEY,TOKEN (a pull request from the fork mallory/web)");
        });
        // nothing was sent, so nothing is the job's to hide in its report either
        CompleteRequest report = new CompleteRequest(JobState.FAILED, "x " + WEB_KEY, List.of(), Map.of(), List.of());
        assertThat(delivery.scrubbed(claim.job(), 1, report)).isEqualTo(report);
    }

    @Test
    void secretNamesInTheEventPayloadOrInputsAreDataAndSendNothing() throws Exception {
        // a pull request's title and a dispatch input are anyone's text: they must not choose what is sent
        JobStore.Claim claim = claimed(
                "{\"github\":{\"repository\":\"acme/web\",\"event\":{\"pull_request\":"
                        + "{\"title\":\"${{ secrets.UNUSED }}\",\"body\":\"secrets['UNUSED']\"}}},"
                        + "\"inputs\":{\"note\":\"secrets.UNUSED\"},\"needs\":{\"b\":{\"outputs\":{\"o\":\"secrets.UNUSED\"}}}}");

        Assignment a = delivery.assign("runner-1", claim);

        assertThat(a.secrets()).containsOnlyKeys("DEPLOY_KEY", "TOKEN");
    }

    @Test
    void aPlainJobGetsNoSecretsAndNothingIsAudited() throws Exception {
        Assignment a = delivery.assign("runner-1", claimed(null));
        assertThat(a.secrets()).isEmpty();
        assertThat(a.spec().timeoutSeconds()).isEqualTo(600);
        assertThat(audit.list(0, "secret.delivered", 10)).isEmpty();
    }

    @Test
    void theReportLosesExactlyTheValuesTheJobWasSent() throws Exception {
        JobStore.Claim claim = claimed("{\"github\":{\"repository\":\"acme/web\"}}");
        CompleteRequest report = new CompleteRequest(
                JobState.FAILED,
                "exit 1 with " + WEB_KEY,
                List.of(new StepResult("deploy", JobState.FAILED, 1, 10L, Map.of("out", "x" + TOKEN))),
                Map.of("global", GLOBAL_KEY, "fine", "kept"),
                List.of());

        CompleteRequest clean = delivery.scrubbed(claim.job(), 1, report);

        String text = clean.toString();
        assertThat(text).doesNotContain(WEB_KEY).doesNotContain(TOKEN).contains("kept");
        // the global DEPLOY_KEY was not sent (the repository's one was): it is not this job's secret to hide
        assertThat(clean.outputs()).containsEntry("global", GLOBAL_KEY);
        assertThat(delivery.scrubbed(claimed(null).job(), 1, report)).isEqualTo(report);
    }
}
