package dev.runway.protocol;

/**
 * Every HTTP path of the versioned API. {@code {id}} is a path parameter. Documented in docs/api.md.
 *
 * <p>Authentication: user endpoints take {@code Authorization: Bearer <api token>}; {@link #RUNNER_JOBS_NEXT}
 * and {@link #RUNNER_SELF} take the runner credential; the per-job runner endpoints take the attempt's job
 * token; {@link #RUNNERS_REGISTER} takes a registration token in its body.
 */
public final class ApiPaths {
    public static final String PREFIX = "/api/v1";

    // user API
    public static final String HEALTH = "/healthz";
    public static final String JOBS = PREFIX + "/jobs"; // POST submit, GET list ?state=&runner=&limit=
    public static final String JOB = PREFIX + "/jobs/{id}"; // GET
    public static final String JOB_CANCEL = PREFIX + "/jobs/{id}/cancel"; // POST
    public static final String JOB_LOGS = PREFIX + "/jobs/{id}/logs"; // GET ?offset=&wait=
    // GET server-sent events: the log so far, then new lines until the job ends (Last-Event-ID: byte offset)
    public static final String JOB_LOG_EVENTS = PREFIX + "/jobs/{id}/logs/events";
    public static final String RUNS = PREFIX + "/runs"; // POST start a workflow, GET list
    public static final String RUN = PREFIX + "/runs/{id}"; // GET with its jobs
    public static final String RUN_CANCEL = PREFIX + "/runs/{id}/cancel"; // POST
    public static final String RUN_RERUN = PREFIX + "/runs/{id}/rerun"; // POST its next attempt
    // GET its current attempt's deployment requests (viewer); POST a reviewer's decision on one
    public static final String RUN_DEPLOYMENTS = PREFIX + "/runs/{id}/deployments";
    public static final String ENVIRONMENTS = PREFIX + "/environments"; // GET list (viewer)
    public static final String ENVIRONMENT = ENVIRONMENTS + "/{name}"; // GET, PUT rules, DELETE (admin)
    public static final String RUN_ARTIFACTS = PREFIX + "/runs/{id}/artifacts"; // GET list
    public static final String RUN_ARTIFACT = PREFIX + "/runs/{id}/artifacts/{name}"; // GET the zip
    public static final String RUNNERS = PREFIX + "/runners"; // GET list
    public static final String RUNNER = PREFIX + "/runners/{id}"; // DELETE (?ifIdle=true: only if it runs nothing)
    public static final String QUEUE = PREFIX + "/queue"; // GET ?since=&wait= queued jobs by label set
    public static final String STATS = PREFIX + "/stats"; // GET ?window=PT24H service level indicators (viewer)
    public static final String METRICS = "/metrics"; // GET Prometheus text format or OpenMetrics
    public static final String POOLS = PREFIX + "/pools"; // GET list
    public static final String POOL = PREFIX + "/pools/{id}"; // PUT the scaler's status report, DELETE forget
    public static final String POOL_DRAIN = PREFIX + "/pools/{id}/drain"; // POST: its runners take no new jobs
    public static final String POOL_RESUME = PREFIX + "/pools/{id}/resume"; // POST: undo drain
    public static final String POOL_PROMOTE = PREFIX + "/pools/{id}/promote"; // POST: the canary becomes stable
    public static final String POOL_ROLLBACK = PREFIX + "/pools/{id}/rollback"; // POST: no more canary runners
    public static final String REGISTRATION_TOKENS = PREFIX + "/tokens/registration"; // POST create, GET list

    // runner protocol
    public static final String RUNNERS_REGISTER = PREFIX + "/runners/register"; // POST
    public static final String RUNNER_SELF = PREFIX + "/runner"; // DELETE deregister (ephemeral)
    public static final String RUNNER_JOBS_NEXT = PREFIX + "/runner/jobs/next"; // POST long-poll
    public static final String API_TOKENS = PREFIX + "/tokens"; // POST create, GET list (admin)
    public static final String API_TOKEN = API_TOKENS + "/{id}"; // DELETE revoke (admin)
    public static final String API_TOKEN_SELF = API_TOKENS + "/self"; // GET the calling token's record (any role)
    public static final String REGISTRATION_TOKEN = PREFIX + "/tokens/registration/{id}"; // DELETE revoke (admin)
    public static final String WEBHOOK_GITHUB = "/webhooks/github"; // POST, signed with the webhook secret
    // GET ?since=<epoch ms>&limit= recorded workflow_job events, oldest first (admin; the scaler's GitHub pools)
    public static final String GITHUB_WORKFLOW_JOBS = PREFIX + "/github/workflow-jobs";
    public static final String AUDIT = PREFIX + "/audit"; // GET ?since=1h&kind=secret.&limit= (admin)
    public static final String AUDIT_VERIFY = PREFIX + "/audit/verify"; // GET walk the hash chain (admin)
    public static final String SECRETS = PREFIX + "/secrets"; // GET list (admin)
    public static final String SECRET = SECRETS + "/{name}"; // PUT set, DELETE remove (admin), ?repo=owner/name
    public static final String VARIABLES = PREFIX + "/variables"; // GET list (viewer), ?repo=owner/name
    public static final String VARIABLE = VARIABLES + "/{name}"; // PUT set, DELETE remove (admin), ?repo=owner/name
    public static final String SECRETS_ROTATE_KEY = SECRETS + "/rotate-key"; // POST re-encrypt under a new key
    public static final String RUNNER_CREDENTIAL = PREFIX + "/runner/credential"; // POST rotate this credential
    public static final String RUNNER_HEALTH = PREFIX + "/runner/health"; // POST this runner's health
    public static final String RUNNER_RELEASE = PREFIX + "/runner/release"; // POST end this runner's held polls
    public static final String RUNNER_JOB_HEARTBEAT =
            PREFIX + "/runner/jobs/{id}/heartbeat"; // POST one attempt (older agents)
    public static final String RUNNER_LEASES = PREFIX + "/runner/leases"; // POST renew all of a runner's attempts
    public static final String RUNNER_JOB_LOGS = PREFIX + "/runner/jobs/{id}/logs"; // POST ?offset= (older agents)
    public static final String RUNNER_LOGS = PREFIX + "/runner/logs"; // POST log chunks of a runner's attempts
    public static final String RUNNER_JOB_COMPLETE = PREFIX + "/runner/jobs/{id}/complete"; // POST
    // GET ?key=&restore=&version= lookup (204: miss), PUT ?key=&version= save (409: exists)
    public static final String RUNNER_JOB_CACHE = PREFIX + "/runner/jobs/{id}/cache";
    public static final String RUNNER_JOB_CACHE_BLOB = PREFIX + "/runner/jobs/{id}/cache/blob"; // GET ?key=&version=
    public static final String RUNNER_JOB_ARTIFACTS = PREFIX + "/runner/jobs/{id}/artifacts"; // GET the run's
    public static final String RUNNER_JOB_ARTIFACT = PREFIX + "/runner/jobs/{id}/artifacts/{name}"; // PUT zip, GET

    /** Replaces {@code {id}} and {@code {name}} (URL-encoded) in one of the constants above. */
    public static String withIdAndName(String path, String id, String name) {
        return withId(path, id)
                .replace(
                        "{name}",
                        java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
                                .replace("+", "%20"));
    }

    /** Replaces {@code {id}} in one of the constants above. */
    public static String withId(String path, String id) {
        return path.replace("{id}", id);
    }

    private ApiPaths() {}
}
