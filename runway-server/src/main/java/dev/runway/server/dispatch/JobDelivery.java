package dev.runway.server.dispatch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobSpec;
import dev.runway.protocol.Json;
import dev.runway.server.audit.AuditLog;
import dev.runway.server.environments.EnvironmentStore;
import dev.runway.server.secrets.ReportScrubber;
import dev.runway.server.secrets.SecretReferences;
import dev.runway.server.secrets.SecretStore;
import dev.runway.server.store.JobRecord;
import dev.runway.server.store.JobStore;
import dev.runway.server.store.VariableStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a claimed attempt to its runner: the job's spec with the limits the control plane decided, and the secrets its
 * steps mention, decrypted for this attempt only and recorded in the audit log; none at all for a run whose secrets
 * are withheld (a pull request from a fork), which the audit log records as {@code secret.withheld}. On the way back, {@link #scrubbed}
 * takes the same secret values out of the attempt's report.
 */
public final class JobDelivery {
    private static final Logger log = LoggerFactory.getLogger(JobDelivery.class);

    private final SecretStore secrets;
    private final VariableStore variables;
    private final AuditLog audit;
    private final Duration leaseTimeout;
    private final Duration heartbeatInterval;

    public JobDelivery(
            SecretStore secrets,
            VariableStore variables,
            AuditLog audit,
            Duration leaseTimeout,
            Duration heartbeatInterval) {
        this.secrets = secrets;
        this.variables = variables;
        this.audit = audit;
        this.leaseTimeout = leaseTimeout;
        this.heartbeatInterval = heartbeatInterval;
    }

    /** A stored job with its spec read: what a delivery is made of. */
    record Delivered(JobRecord job, JobSpec spec) {
        static Delivered of(JobRecord job) throws JsonProcessingException {
            return new Delivered(job, Json.lenient().readValue(job.specJson(), JobSpec.class));
        }

        /**
         * The repository ({@code owner/name}) whose secrets a workflow job gets before the global ones: its {@code
         * github} context's; null for a plain job or a workflow without one.
         */
        String repository() {
            if (!spec.workflow()) return null;
            Object github = spec.contexts().get("github");
            if (!(github instanceof Map<?, ?>)) return null;
            return Json.lenient().convertValue(github, GitHubContext.class).repository();
        }

        /**
         * The secrets a workflow job's spec refers to, for its repository: none for a plain job, nor for a job of a
         * run whose secrets are withheld (a pull request from a fork).
         */
        Map<String, String> secrets(SecretStore store) {
            if (!spec.workflow() || withheld() != null) return Map.of();
            return store.resolve(SecretReferences.environment(spec), repository(), SecretReferences.inSpec(spec));
        }

        /** Why this job is sent no secrets, or null. */
        String withheld() {
            return spec.workflow() ? SecretReferences.withheld(spec) : null;
        }
    }

    /** The part of the {@code github} context a delivery needs. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record GitHubContext(String repository) {}

    /** What the runner {@code runnerId} receives for its claim; the secrets sent are recorded (never their values). */
    public Assignment assign(String runnerId, JobStore.Claim claim) throws JsonProcessingException {
        return assign(runnerId, claim, 0);
    }

    /**
     * As above, for a poll the control plane held {@code heldMillis} before it began the claim (see {@link
     * Assignment#heldMillis()}).
     */
    public Assignment assign(String runnerId, JobStore.Claim claim, long heldMillis) throws JsonProcessingException {
        JobRecord job = claim.job();
        Delivered d = Delivered.of(job);
        JobSpec spec = d.spec();
        // the job runs with the timeout the server decided, whatever the submitted spec said
        JobSpec effective = withEnvironmentVars(
                spec.withLimits((int) Math.max(1, job.timeoutMs() / 1000), job.maxAttempts()), d.withheld() != null);
        // the secrets its steps mention, decrypted for this attempt only (a workflow job's repository first)
        Map<String, String> secrets = Map.of();
        String withheld = d.withheld();
        if (withheld != null) {
            Set<String> names = new TreeSet<>(SecretReferences.inSpec(spec));
            if (!names.isEmpty()) {
                audit.record(
                        runnerId,
                        "secret.withheld",
                        job.id() + "/" + job.attempt(),
                        String.join(",", names) + " (" + withheld + ")");
                log.info("job {} attempt {}: secrets {} withheld: {}", job.id(), job.attempt(), names, withheld);
            }
        } else if (spec.workflow()) {
            try {
                secrets = d.secrets(this.secrets);
            } catch (IllegalStateException e) {
                log.error("job {}: cannot deliver its secrets: {}", job.id(), e.getMessage());
            }
            if (!secrets.isEmpty()) {
                Set<String> names = new TreeSet<>(secrets.keySet());
                audit.record(runnerId, "secret.delivered", job.id() + "/" + job.attempt(), String.join(",", names));
                log.info("job {} attempt {}: secrets {} delivered", job.id(), job.attempt(), names);
            }
        }
        return new Assignment(
                job.id(),
                job.attempt(),
                claim.jobToken(),
                effective,
                (int) leaseTimeout.toSeconds(),
                (int) Math.max(1, heartbeatInterval.toSeconds()),
                secrets,
                heldMillis);
    }

    /**
     * A deployment job's {@code vars}: its environment's variables over the run's (repository and global), as on
     * GitHub; read at delivery, when the environment's rules have let the job start. None for a run whose secrets
     * and variables are withheld.
     */
    private JobSpec withEnvironmentVars(JobSpec spec, boolean withheld) {
        String env = SecretReferences.environment(spec);
        if (env == null || withheld || variables == null) return spec;
        List<VariableStore.Variable> scoped = variables.list(EnvironmentStore.scope(env));
        if (scoped.isEmpty()) return spec;
        Map<String, Object> contexts = new java.util.LinkedHashMap<>(spec.contexts());
        Map<String, Object> vars = contexts.get("vars") instanceof Map<?, ?> m
                ? new java.util.LinkedHashMap<>(Json.lenient().convertValue(m, Map.class))
                : new java.util.LinkedHashMap<>();
        for (VariableStore.Variable v : scoped) vars.put(v.name(), v.value());
        contexts.put("vars", vars);
        return spec.withContexts(contexts);
    }

    /**
     * The report of {@code job}'s attempt without the secret values the job was sent (the runner masks and drops them
     * already; this is the control plane's own check, so a modified or faulty runner cannot store them).
     */
    public CompleteRequest scrubbed(JobRecord job, int attempt, CompleteRequest req) throws JsonProcessingException {
        Map<String, String> secrets;
        try {
            secrets = Delivered.of(job).secrets(this.secrets);
        } catch (IllegalStateException e) {
            return req; // no key to open them with: none could have been sent
        }
        ReportScrubber scrubber = new ReportScrubber(secrets.values());
        CompleteRequest clean = scrubber.scrub(req);
        for (String d : scrubber.dropped())
            log.warn("job {} attempt {}: dropped {}: it holds a secret value", job.id(), attempt, d);
        return clean;
    }
}
