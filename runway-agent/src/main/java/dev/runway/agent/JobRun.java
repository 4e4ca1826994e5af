package dev.runway.agent;

import dev.runway.agent.client.JobCalls;
import dev.runway.agent.client.ServerException;
import dev.runway.agent.exec.Executor;
import dev.runway.agent.exec.JobApi;
import dev.runway.agent.exec.JobControl;
import dev.runway.agent.logs.LogSink;
import dev.runway.agent.logs.LogSpool;
import dev.runway.agent.steps.JobExecutor;
import dev.runway.protocol.ArtifactView;
import dev.runway.protocol.Assignment;
import dev.runway.protocol.CacheEntry;
import dev.runway.protocol.CompleteRequest;
import dev.runway.protocol.JobState;
import dev.runway.protocol.LogContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one job on this runner: fresh workspace, heartbeats, execution, log upload, completion and
 * cleanup. Stale answers (409) from the server mean the attempt was fenced off: stop and report nothing.
 */
final class JobRun {
    private static final Logger log = LoggerFactory.getLogger(JobRun.class);
    static final Duration LOG_FLUSH_TIMEOUT = Duration.ofMinutes(10);
    static final Duration COMPLETE_TIMEOUT = Duration.ofMinutes(30);

    /**
     * What every attempt on this agent runs with: the attempt's calls to the control plane, where its log goes, the
     * renewer its lease
     * joins, the executor, the agent's folder in the work dir, the base environment and the runner's own secrets,
     * whether the dead man's switch stopped the agent's steps at or after a wall-clock time (ms), and the backoff of
     * its retried calls (log upload, completion).
     */
    record Shared(
            JobCalls calls,
            LogSink logs,
            LeaseRenewer renewer,
            Executor executor,
            Path workDir,
            Map<String, String> baseEnv,
            Map<String, String> secrets,
            java.util.function.LongPredicate stoppedFromOutsideSince,
            java.util.function.Supplier<Backoff> backoffs) {}

    private final Assignment a;
    private final JobCalls client;
    private final LogSink logs;
    private final Executor executor;
    private final Path workDir;
    private final Map<String, String> baseEnv;
    private final Map<String, String> secrets;
    final JobControl control = new JobControl();
    private final AttemptLease lease;
    /** Whether the dead man's switch stopped the agent's steps at or after a wall-clock time (ms). */
    private final java.util.function.LongPredicate stoppedFromOutsideSince;

    private final java.util.function.Supplier<Backoff> backoffs;

    JobRun(Assignment a, Shared shared) {
        this(a, shared, System.nanoTime());
    }

    /** An assignment that answered a poll sent at {@code polledAt} ({@link System#nanoTime()}): its lease runs from then. */
    JobRun(Assignment a, Shared shared, long polledAt) {
        this.stoppedFromOutsideSince = shared.stoppedFromOutsideSince();
        this.secrets = shared.secrets();
        this.a = a;
        this.client = shared.calls();
        this.logs = shared.logs();
        this.executor = shared.executor();
        this.workDir = shared.workDir();
        this.baseEnv = shared.baseEnv();
        this.backoffs = shared.backoffs();
        this.lease = new AttemptLease(a, shared.renewer(), control, System::nanoTime, polledAt);
    }

    static final String STOPPED_BY_SWITCH =
            "the dead man's switch stopped the agent's steps: the agent did not speak to it in time";

    /** Its steps may have been stopped from outside: it is lost, never reported (see {@link AttemptLease#lose}). */
    void lose(String why) {
        lease.lose(why);
    }

    /** How long this attempt may go on unrenewed (see {@link AttemptLease#remainingNanos()}). */
    long leaseRemainingNanos() {
        return lease.remainingNanos();
    }

    String jobId() {
        return a.jobId();
    }

    /** Names its workspace and spool file. */
    String key() {
        return a.jobId() + "-" + a.attempt();
    }

    void run() {
        try (LogContext ignored = LogContext.job(a.jobId(), a.attempt());
                LogContext ignoredRun = LogContext.run(runId(a.spec()))) {
            runAttempt();
        }
    }

    /** The workflow run a job belongs to, from its github context (null for a job submitted on its own). */
    static String runId(dev.runway.protocol.JobSpec spec) {
        if (spec == null || !spec.workflow() || spec.contexts() == null) return null;
        Object github = spec.contexts().get("github");
        Object id = github instanceof Map<?, ?> g ? g.get("run_id") : null;
        return id == null ? null : String.valueOf(id);
    }

    private void runAttempt() {
        long started = System.nanoTime();
        long startedWall = System.currentTimeMillis();
        String key = a.jobId() + "-" + a.attempt();
        Path workspace = workDir.resolve(key);
        log.info(
                "job {} attempt {}: claimed, starting '{}'",
                a.jobId(),
                a.attempt(),
                a.spec().name());
        lease.start();
        try (LogSpool spool = new LogSpool(
                workDir.resolve(".spool").resolve(key + ".log"),
                logs,
                a.jobId(),
                a.attempt(),
                a.jobToken(),
                backoffs.get())) {
            Workspaces.deleteRecursively(workspace);
            Files.createDirectories(
                    workspace, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Map<String, String> env = new HashMap<>(baseEnv);
            env.put("CI", "true");
            env.put("RUNWAY_JOB_ID", a.jobId());
            env.put("RUNWAY_JOB_NAME", a.spec().name());
            env.put("RUNWAY_ATTEMPT", Integer.toString(a.attempt()));
            env.put("RUNWAY_WORKSPACE", workspace.toString());
            env.put("GITHUB_WORKSPACE", workspace.toString());
            if (a.spec().workflow()) env.putAll(githubEnvironment(a.spec().contexts()));
            Map<String, String> defaults = dev.runway.agent.steps.DefaultVariables.of(env);
            env.putAll(a.spec().env());
            env.putAll(defaults); // GITHUB_* and RUNNER_* cannot be overwritten by env:, as on GitHub
            // the runner's own (runway run --secret), overridden by what the control plane delivered for this attempt
            Map<String, String> jobSecrets = new HashMap<>(secrets);
            jobSecrets.putAll(a.secrets());
            // a job of a called workflow sees only what each call on the way passes on (secrets: inherit or a map)
            jobSecrets = dev.runway.workflow.calls.CallSecrets.forJob(a.spec().contexts(), jobSecrets);
            Executor.Outcome outcome;
            try { // the executor evaluates the env the control plane left to the runner (exec.SecretEnv)
                // an assignment that came too late (its lease ran out, or its renewal was refused) runs nothing
                lease.check(); // past its deadline on arrival: stopped now
                JobControl.Stop before = control.stopped();
                outcome = before != null
                        ? new Executor.Outcome(JobState.FAILED, before.reason(), java.util.List.of())
                        : executor.run(a.spec(), workspace, env, spool, control, jobApi(), jobSecrets);
            } catch (RuntimeException e) {
                // a bug in the runner ends the attempt with a reason instead of leaving it to expire and run again
                log.error("job {}: the runner failed while running it", a.jobId(), e);
                outcome = new Executor.Outcome(JobState.FAILED, "runner error: " + e, java.util.List.of());
            }
            if (stoppedFromOutsideSince.test(startedWall)) lose(STOPPED_BY_SWITCH);
            lease.check(); // ended past its deadline: the dead man's switch may have stopped it, so it is lost
            lease.executionEnded();
            JobControl.Stop stop = control.stopped();
            if (stop != null && stop.abandon()) {
                spool.abandon();
                log.warn("job {} attempt {}: abandoned ({})", a.jobId(), a.attempt(), stop.reason());
                return;
            }
            if (lease.lost() != null) { // not reported: the control plane requeues it when the lease runs out
                spool.line("[runway] " + lease.lost());
                if (!spool.finish(LOG_FLUSH_TIMEOUT))
                    log.warn("job {}: its last log lines were not delivered", a.jobId());
                return;
            }
            if (outcome.usage().known())
                spool.line("[runway] resources: " + outcome.usage().summary());
            spool.line("[runway] job " + outcome.result().wireName()
                    + (outcome.reason() == null ? "" : ": " + outcome.reason()));
            if (!spool.finish(LOG_FLUSH_TIMEOUT)) log.warn("job {}: not all log bytes were acknowledged", a.jobId());
            complete(new CompleteRequest(
                    outcome.result(),
                    outcome.reason(),
                    outcome.steps(),
                    outcome.outputs(),
                    outcome.annotations(),
                    outcome.usage(),
                    outcome.secretsMasked()));
            log.info(
                    "job {} attempt {} finished: {} in {} ms{}",
                    a.jobId(),
                    a.attempt(),
                    outcome.result().wireName(),
                    (System.nanoTime() - started) / 1_000_000,
                    outcome.reason() == null ? "" : " (" + outcome.reason() + ")");
        } catch (IOException e) {
            log.error("job {}: cannot prepare the job: {}", a.jobId(), e.toString());
            complete(new CompleteRequest(
                    JobState.FAILED, "runner could not prepare the job: " + e.getMessage(), java.util.List.of()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lease.stop();
            Workspaces.deleteRecursively(workspace);
        }
    }

    /** The control plane as built-in actions see it: this attempt's calls, with its job token. */
    private JobApi jobApi() {
        return new JobApi() {
            @Override
            public ArtifactView uploadArtifact(String name, Path zip) throws IOException, InterruptedException {
                return client.uploadArtifact(a.jobId(), a.jobToken(), name, zip);
            }

            @Override
            public List<ArtifactView> artifacts() throws IOException, InterruptedException {
                return client.artifacts(a.jobId(), a.jobToken());
            }

            @Override
            public void downloadArtifact(String name, Path to) throws IOException, InterruptedException {
                client.downloadArtifact(a.jobId(), a.jobToken(), name, to);
            }

            @Override
            public java.util.Optional<CacheEntry> cacheLookup(String key, List<String> restoreKeys, String version)
                    throws IOException, InterruptedException {
                return client.cacheLookup(a.jobId(), a.jobToken(), key, restoreKeys, version);
            }

            @Override
            public void cacheDownload(String key, String version, Path to) throws IOException, InterruptedException {
                client.cacheDownload(a.jobId(), a.jobToken(), key, version, to);
            }

            @Override
            public CacheEntry cacheSave(String key, String version, Path archive)
                    throws IOException, InterruptedException {
                return client.cacheSave(a.jobId(), a.jobToken(), key, version, archive);
            }
        };
    }

    /** The {@code GITHUB_*} and {@code RUNNER_*} variables GitHub's runner sets, from the run's github context. */
    static Map<String, String> githubEnvironment(Map<String, Object> contexts) {
        Map<String, String> env = new HashMap<>();
        Object g = contexts.get("github");
        Map<?, ?> github = g instanceof Map<?, ?> m ? m : Map.of();
        java.util.function.Function<String, String> get =
                k -> github.get(k) == null ? "" : String.valueOf(github.get(k));
        env.put("GITHUB_ACTIONS", "true");
        env.put("GITHUB_SHA", get.apply("sha"));
        env.put("GITHUB_REF", get.apply("ref"));
        env.put("GITHUB_REF_NAME", get.apply("ref_name"));
        env.put("GITHUB_REF_TYPE", get.apply("ref_type"));
        env.put("GITHUB_REPOSITORY", get.apply("repository"));
        env.put("GITHUB_REPOSITORY_OWNER", get.apply("repository_owner"));
        env.put("GITHUB_EVENT_NAME", get.apply("event_name"));
        env.put("GITHUB_RUN_ID", get.apply("run_id"));
        env.put("GITHUB_RUN_NUMBER", get.apply("run_number"));
        env.put("GITHUB_RUN_ATTEMPT", get.apply("run_attempt"));
        env.put("GITHUB_WORKFLOW", get.apply("workflow"));
        env.put("GITHUB_WORKFLOW_REF", get.apply("workflow_ref"));
        env.put("GITHUB_JOB", get.apply("job"));
        env.put("GITHUB_ACTOR", get.apply("actor"));
        env.put("GITHUB_SERVER_URL", get.apply("server_url"));
        env.put("GITHUB_API_URL", get.apply("api_url"));
        env.put("GITHUB_GRAPHQL_URL", get.apply("graphql_url"));
        env.put(
                "GITHUB_TRIGGERING_ACTOR",
                github.get("triggering_actor") == null ? get.apply("actor") : get.apply("triggering_actor"));
        env.put("GITHUB_RETENTION_DAYS", get.apply("retention_days"));
        env.put("GITHUB_HEAD_REF", get.apply("head_ref"));
        env.put("GITHUB_BASE_REF", get.apply("base_ref"));
        env.put("RUNNER_OS", "Linux");
        env.put("RUNNER_ARCH", JobExecutor.runnerArch());
        env.put("RUNNER_ENVIRONMENT", "self-hosted");
        return env;
    }

    private volatile CompleteRequest completed;

    /** What this run reported as its outcome; null while running or when it was abandoned. */
    CompleteRequest completed() {
        return completed;
    }

    private void complete(CompleteRequest req) {
        completed = req;
        Backoff backoff = backoffs.get();
        long deadline = System.nanoTime() + COMPLETE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                client.complete(a.jobId(), a.jobToken(), req);
                return;
            } catch (ServerException e) {
                if (!e.transientFailure()) {
                    log.warn("job {}: completion refused: {}", a.jobId(), e.getMessage());
                    return;
                }
            } catch (IOException e) {
                log.warn("job {}: cannot report completion ({}); retrying", a.jobId(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                backoff.pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
