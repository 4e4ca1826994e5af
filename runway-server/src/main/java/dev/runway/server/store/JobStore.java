package dev.runway.server.store;

import dev.runway.protocol.JobState;
import dev.runway.protocol.LeaseRenewal;
import dev.runway.protocol.ResourceUsage;
import dev.runway.protocol.TokenPrefixes;
import dev.runway.server.tokens.Tokens;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jobs and their attempts: enqueue, atomic claim, heartbeat, completion, cancel and lease expiry. Every write
 * for an attempt is fenced: it applies only while that attempt is the job's current running attempt.
 */
public final class JobStore {
    private final Database db;
    private final Transitions transitions;

    /** A store whose changes no one listens to (tests of the store alone). */
    public JobStore(Database db) {
        this(db, new Transitions());
    }

    /** A store whose every job state change {@code transitions} passes on to its listeners. */
    public JobStore(Database db, Transitions transitions) {
        this.db = db;
        this.transitions = transitions;
    }

    public Transitions transitions() {
        return transitions;
    }

    /** A job to create; the run fields are null for a job submitted on its own. */
    public record NewJob(
            String name,
            String specJson,
            Set<String> labels,
            int maxAttempts,
            long timeoutMs,
            JobState state,
            String reason,
            String runId,
            String jobKey,
            Integer matrixIndex,
            Integer matrixTotal,
            boolean continueOnError,
            String concurrencyGroup) {
        public static NewJob queued(String name, String specJson, Set<String> labels, int maxAttempts, long timeoutMs) {
            return new NewJob(
                    name,
                    specJson,
                    labels,
                    maxAttempts,
                    timeoutMs,
                    JobState.QUEUED,
                    null,
                    null,
                    null,
                    null,
                    null,
                    false,
                    null);
        }
    }

    public JobRecord insert(
            String name, String specJson, Set<String> labels, int maxAttempts, long timeoutMs, long now) {
        return transitions.tx(
                db, (c, p) -> insert(c, p, NewJob.queued(name, specJson, labels, maxAttempts, timeoutMs), now));
    }

    /** Inserts in the caller's transaction; a job created in a terminal state (skipped) is finished at once. */
    public static JobRecord insert(Connection c, Transitions.Pending p, NewJob j, long now) throws SQLException {
        StateMachine.require(null, j.state());
        String id = Tokens.id("j");
        String labels = Labels.encode(j.labels());
        LabelSets.ensure(c, labels);
        JobRecord created = Sql.one(
                c,
                "INSERT INTO jobs (id, name, spec, labels, state, attempt, max_attempts, timeout_ms, created_at, queued_at,"
                        + " finished_at, reason, run_id, job_key, matrix_index, matrix_total, continue_on_error,"
                        + " concurrency_group, run_attempt)"
                        + " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " COALESCE((SELECT run_attempt FROM runs WHERE id = ?), 1)) RETURNING *",
                JobStore::job,
                id,
                j.name(),
                j.specJson(),
                labels,
                j.state().wireName(),
                j.maxAttempts(),
                j.timeoutMs(),
                now,
                now,
                j.state().isTerminal() ? now : null,
                j.reason(),
                j.runId(),
                j.jobKey(),
                j.matrixIndex(),
                j.matrixTotal(),
                j.continueOnError() ? 1 : 0,
                j.concurrencyGroup(),
                j.runId());
        Transition.Cause cause = j.state() == JobState.QUEUED ? Transition.Cause.ENQUEUED : Transition.Cause.PLANNED;
        p.add(Transition.of(created, 0, null, cause, now, null));
        return created;
    }

    /** An unfinished job of a concurrency group; {@code runId} and {@code jobKey} null for a job submitted alone. */
    public record GroupJob(String jobId, String runId, JobState state, String jobKey) {
        public boolean running() {
            return state == JobState.RUNNING;
        }
    }

    /** Unfinished jobs of a concurrency group, oldest first. */
    public static List<GroupJob> inGroup(Connection c, String group) throws SQLException {
        return Sql.query(
                c,
                "SELECT id, run_id, state, job_key FROM jobs WHERE concurrency_group = ? AND state IN (?, ?)"
                        + " ORDER BY seq",
                rs -> new GroupJob(
                        rs.getString(1), rs.getString(2), JobState.fromWire(rs.getString(3)), rs.getString(4)),
                group,
                JobState.QUEUED.wireName(),
                JobState.RUNNING.wireName());
    }

    /** The jobs of a workflow run, in creation order. */
    public List<JobRecord> ofRun(String runId) {
        return db.read(c -> ofRun(c, runId));
    }

    /** The jobs of the run's current attempt, in creation order. */
    public static List<JobRecord> ofRun(Connection c, String runId) throws SQLException {
        return Sql.query(
                c,
                "SELECT * FROM jobs WHERE run_id = ? AND run_attempt = (SELECT run_attempt FROM runs WHERE id = ?)"
                        + " ORDER BY seq",
                JobStore::job,
                runId,
                runId);
    }

    /** The jobs of one attempt of a run, in creation order (empty for an attempt it never had). */
    public List<JobRecord> ofRunAttempt(String runId, int runAttempt) {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM jobs WHERE run_id = ? AND run_attempt = ? ORDER BY seq",
                JobStore::job,
                runId,
                runAttempt));
    }

    /**
     * Takes a finished job of a run's earlier attempt into attempt {@code runAttempt} unchanged (a re-run of failed
     * jobs keeps the ones that succeeded): a copy with its outcome, steps and outputs, pointing back at the job whose
     * attempts hold its log. No transition: nothing ran.
     */
    public static JobRecord carry(Connection c, JobRecord from, int runAttempt) throws SQLException {
        String id = Tokens.id("j");
        Sql.update(
                c,
                "INSERT INTO jobs (id, name, spec, labels, state, attempt, max_attempts, timeout_ms, runner_id,"
                        + " runner_name, created_at, queued_at, started_at, finished_at, reason, steps, run_id, job_key,"
                        + " matrix_index, matrix_total, continue_on_error, outputs, annotations, cpu_seconds,"
                        + " peak_memory_bytes, oom_killed, secrets_masked, run_attempt, carried_from)"
                        + " SELECT ?, name, spec, labels, state, attempt, max_attempts, timeout_ms, runner_id,"
                        + " runner_name, created_at, queued_at, started_at, finished_at, reason, steps, run_id, job_key,"
                        + " matrix_index, matrix_total, continue_on_error, outputs, annotations, cpu_seconds,"
                        + " peak_memory_bytes, oom_killed, secrets_masked, ?, COALESCE(carried_from, id) FROM jobs"
                        + " WHERE id = ?",
                id,
                runAttempt,
                from.id());
        return get(c, id);
    }

    public JobRecord get(String id) {
        return db.read(c -> get(c, id));
    }

    public List<JobRecord> list(JobState state, int limit) {
        return list(state, null, limit);
    }

    /**
     * Newest first; filtered by {@code state} and by {@code runnerId} (jobs that had an attempt on that runner) when
     * they are not null.
     */
    public List<JobRecord> list(JobState state, String runnerId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM jobs");
        List<Object> args = new ArrayList<>();
        if (state != null) {
            sql.append(" WHERE state = ?");
            args.add(state.wireName());
        }
        if (runnerId != null) {
            sql.append(state == null ? " WHERE" : " AND")
                    .append(" id IN (SELECT job_id FROM attempts WHERE runner_id = ?)");
            args.add(runnerId);
        }
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(limit);
        return db.read(c -> Sql.query(c, sql.toString(), JobStore::job, args.toArray()));
    }

    /** A successful claim: the job as it is now running, and the attempt's plain token. */
    /** The job that has waited longest in the queue, or null. */
    public String oldestQueuedId() {
        return db.read(c -> Sql.one(
                c,
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY queued_at, seq LIMIT 1",
                rs -> rs.getString(1)));
    }

    /** Queued jobs with one label set: how many, and when the oldest was queued. */
    public record QueueGroup(Set<String> labels, int queued, long oldestQueuedAt) {}

    /**
     * The queue by label set, and a version that changes whenever the queue, the running attempts or the runner set
     * change (what the fleet scaler decides on). Read by every replica from the database, so it sees all of them.
     */
    public record QueueSnapshot(List<QueueGroup> groups, String version) {}

    /** Queued jobs by label set (labels, how many, the oldest's queue time): one grouped read. */
    public List<QueueGroup> queuedGroups() {
        return db.read(c -> Sql.query(
                c,
                "SELECT labels, COUNT(*), MIN(queued_at) FROM jobs WHERE state = 'queued' GROUP BY labels",
                rs -> new QueueGroup(Labels.decode(rs.getString(1)), rs.getInt(2), rs.getLong(3))));
    }

    public QueueSnapshot queueSnapshot() {
        return db.read(c -> {
            List<QueueGroup> groups = Sql.query(
                    c,
                    "SELECT labels, COUNT(*), MIN(queued_at) FROM jobs WHERE state = 'queued' GROUP BY labels"
                            + " ORDER BY MIN(queued_at)",
                    rs -> new QueueGroup(Labels.decode(rs.getString(1)), rs.getInt(2), rs.getLong(3)));
            String runners = Sql.one(
                    c,
                    "SELECT COUNT(*) || ':' || COALESCE(MAX(created_at), 0) || ':' || COUNT(first_job_at) FROM runners"
                            + " WHERE deleted = 0",
                    rs -> rs.getString(1));
            Integer running = Sql.one(c, "SELECT COUNT(*) FROM attempts WHERE state = 'running'", rs -> rs.getInt(1));
            StringBuilder v = new StringBuilder().append(runners).append('/').append(running);
            for (QueueGroup g : groups)
                v.append('/')
                        .append(String.join(",", g.labels()))
                        .append('=')
                        .append(g.queued())
                        .append('@')
                        .append(g.oldestQueuedAt());
            return new QueueSnapshot(groups, Integer.toHexString(v.toString().hashCode()) + "-" + v.length());
        });
    }

    public record Claim(JobRecord job, String jobToken) {}

    /**
     * Claims the oldest queued job whose labels the runner has, or returns null. One transaction of three statements:
     * one UPDATE ... RETURNING picks the job in SQL (labels matched through {@link LabelSets}, concurrency groups and
     * the runner's slots respected, so no number of jobs that no runner serves delays one this runner can take) and
     * moves it to running, which decides who wins; on PostgreSQL the pick skips jobs other claimers hold locked
     * (FOR UPDATE SKIP LOCKED), so concurrent claimers take different jobs instead of queueing behind one. Then the
     * runner's row is locked and checked, and the attempt inserted.
     */
    public Claim claim(
            String runnerId, String runnerName, Set<String> runnerLabels, int slots, long now, long leaseMs) {
        return claim(runnerId, runnerName, runnerLabels, slots, () -> now, leaseMs);
    }

    /**
     * As {@link #claim(String, String, Set, int, long, long)}, reading the time inside the transaction, once it holds
     * the write lock: a time read before could be seconds old under load (the claim waited for SQLite's single
     * writer), so the attempt's lease would run out that much sooner than the agent, which counts it from the
     * assignment's arrival, believes, and another attempt could start while this one still runs.
     */
    public Claim claim(
            String runnerId,
            String runnerName,
            Set<String> runnerLabels,
            int slots,
            java.util.function.LongSupplier clock,
            long leaseMs) {
        try {
            return transitions.tx(db, (c, p) -> {
                long now = clock.getAsLong();
                LabelSets.Match match = LabelSets.servedBy(runnerLabels);
                boolean pg = db.dialect() == Database.Dialect.POSTGRESQL;
                // the oldest queued job the runner can take, and the runner may take one: it has a free slot, is
                // not retired and its pool is not drained. PostgreSQL: a job another claimer is taking right now is
                // skipped, not waited for (its row lock); SQLite has one connection, the first candidate is the job
                String free = " AND (q.concurrency_group IS NULL OR NOT EXISTS (SELECT 1 FROM jobs r WHERE"
                        + " r.concurrency_group = q.concurrency_group AND r.state = 'running'))";
                List<Object> whereArgs = new ArrayList<>();
                String oldest;
                if (pg && !runnerLabels.contains(Labels.ANY)) {
                    // PostgreSQL walks queued jobs in seq order and tests each against the label sets when asked
                    // for the oldest of all that match: a claim read every queued job it could not take (20 ms
                    // beside 10,000, bench --only claim). So: the sets it may take first, each set's oldest few
                    // through the (state, labels, seq) index, then the oldest of those not being claimed by another
                    LabelSets.Match sets = LabelSets.setsServedBy(runnerLabels);
                    whereArgs.addAll(sets.args());
                    whereArgs.add(CLAIM_PER_SET);
                    oldest = "(SELECT q.id FROM jobs q WHERE q.id IN (SELECT x.id FROM (" + sets.sql() + ") ms"
                            + " CROSS JOIN LATERAL (SELECT q.id FROM jobs q WHERE q.state = 'queued' AND q.labels ="
                            + " ms.labels" + free + " ORDER BY q.seq LIMIT ?) x) AND q.state = 'queued'"
                            + " ORDER BY q.seq LIMIT 1 FOR UPDATE SKIP LOCKED)";
                } else {
                    whereArgs.addAll(match.args());
                    oldest = "(SELECT q.id FROM jobs q WHERE q.state = 'queued'" + match.sql() + free
                            + " ORDER BY q.seq LIMIT 1" + (pg ? " FOR UPDATE SKIP LOCKED" : "") + ")";
                }
                oldest += " AND (SELECT COUNT(*) FROM attempts WHERE runner_id = ? AND state = 'running') < ?"
                        + " AND EXISTS (SELECT 1 FROM runners WHERE id = ? AND deleted = 0 AND (pool IS NULL OR NOT"
                        + " EXISTS (SELECT 1 FROM pools p WHERE p.name = runners.pool AND p.draining = 1)))";
                whereArgs.add(runnerId);
                whereArgs.add(slots);
                whereArgs.add(runnerId);
                // the claim itself, returning the job as it now runs: one statement decides who wins. The attempt
                // starts no earlier than its job was queued: `now` may be older than a job queued while this claim
                // waited for the write lock (a queue wait of -39 ms was shown)
                JobRecord job = moveJobReturning(
                        c,
                        oldest,
                        whereArgs,
                        null,
                        JobState.QUEUED,
                        JobState.RUNNING,
                        "attempt = attempt + 1, runner_id = ?, runner_name = ?, started_at = "
                                + (pg ? "GREATEST" : "MAX")
                                + "(?, queued_at), finished_at = NULL, reason = NULL, steps = NULL, annotations = NULL,"
                                + " outputs = NULL, cpu_seconds = NULL, peak_memory_bytes = NULL, oom_killed = 0",
                        runnerId,
                        runnerName,
                        now);
                if (job == null) return null;
                // lock the runner's row and check again it may still take work (RunnerStore.retire and delete take
                // the same lock first, so a retire racing this claim either sees the attempt or wins and undoes
                // the claim); and note its first job (provisioning time)
                if (Sql.update(
                                c,
                                "UPDATE runners SET first_job_at = COALESCE(first_job_at, ?) WHERE id = ? AND deleted = 0"
                                        + " AND (pool IS NULL OR NOT EXISTS (SELECT 1 FROM pools p WHERE p.name ="
                                        + " runners.pool AND p.draining = 1))",
                                now,
                                runnerId)
                        == 0) throw new RunnerGone();
                long at = job.startedAt();
                String token = Tokens.generate(TokenPrefixes.JOB);
                Sql.update(
                        c,
                        "INSERT INTO attempts (job_id, attempt, runner_id, token_hash, state, lease_expires_at, started_at)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        job.id(),
                        job.attempt(),
                        runnerId,
                        Tokens.hash(token),
                        AttemptState.RUNNING.wireName(),
                        at + leaseMs,
                        at);
                p.add(Transition.of(job, job.attempt(), JobState.QUEUED, Transition.Cause.CLAIMED, at, runnerId));
                return new Claim(job, token);
            });
        } catch (RunnerGone e) {
            return null; // rolled back: the runner was retired, deleted or drained while it claimed
        }
    }

    /**
     * PostgreSQL: how many of each matching label set's oldest queued jobs a claim considers, so that as many
     * claimers at once each find one no other is taking (SKIP LOCKED) before any has to wait for the next poll.
     */
    static final int CLAIM_PER_SET = 16;

    /** A claim found its runner retired, deleted or drained once it held the runner's row: the claim is undone. */
    private static final class RunnerGone extends RuntimeException {
        RunnerGone() {
            super(null, null, false, false);
        }
    }

    public AttemptRecord attemptByToken(String token) {
        return db.read(
                c -> Sql.one(c, "SELECT * FROM attempts WHERE token_hash = ?", JobStore::attempt, Tokens.hash(token)));
    }

    public AttemptRecord attempt(String jobId, int attempt) {
        return db.read(c -> Sql.one(
                c, "SELECT * FROM attempts WHERE job_id = ? AND attempt = ?", JobStore::attempt, jobId, attempt));
    }

    /** Extends the lease of a running attempt; null if the attempt is no longer running (stale). */
    public JobRecord heartbeat(String jobId, int attempt, long now, long leaseMs) {
        return db.tx(c -> {
            int n = Sql.update(
                    c,
                    "UPDATE attempts SET lease_expires_at = ? WHERE job_id = ? AND attempt = ? AND state = 'running'",
                    now + leaseMs,
                    jobId,
                    attempt);
            return n == 0 ? null : get(c, jobId);
        });
    }

    /**
     * Extends the leases of those of {@code attempts} that {@code runnerId} is running, in one transaction: the batched
     * heartbeat (one write per runner per interval, not one per attempt). Returns the job of each attempt renewed;
     * an attempt missing from the answer is no longer current (stale, finished, fenced or another runner's).
     */
    public Map<LeaseRenewal.Attempt, JobRecord> renewLeases(
            String runnerId, List<LeaseRenewal.Attempt> attempts, long now, long leaseMs) {
        return renewLeases(runnerId, attempts, () -> now, leaseMs);
    }

    /** As above, reading the time once the transaction holds the write lock (a lease never shorter for waiting). */
    public Map<LeaseRenewal.Attempt, JobRecord> renewLeases(
            String runnerId, List<LeaseRenewal.Attempt> attempts, java.util.function.LongSupplier clock, long leaseMs) {
        if (attempts.isEmpty()) return Map.of();
        return db.tx(c -> {
            long now = clock.getAsLong();
            Map<LeaseRenewal.Attempt, JobRecord> renewed = new LinkedHashMap<>();
            for (int from = 0; from < attempts.size(); from += RENEWAL_CHUNK) {
                List<LeaseRenewal.Attempt> chunk =
                        attempts.subList(from, Math.min(attempts.size(), from + RENEWAL_CHUNK));
                String pairs = String.join(",", Collections.nCopies(chunk.size(), "(?, ?)"));
                List<Object> args = new ArrayList<>(List.of(now + leaseMs, runnerId));
                for (LeaseRenewal.Attempt a : chunk) {
                    args.add(a.jobId());
                    args.add(a.attempt());
                }
                String where =
                        " WHERE runner_id = ? AND state = 'running' AND (job_id, attempt) IN (VALUES " + pairs + ")";
                if (db.dialect() == Database.Dialect.POSTGRESQL) {
                    // the rows locked in the lease loop's order (job, attempt): an UPDATE locks them in whatever
                    // order its plan finds them, and a renewal racing the loop's expiry (or the extension after a
                    // stall) over hundreds of attempts could deadlock, and the renewal failed
                    Sql.query(
                            c,
                            "SELECT job_id FROM attempts" + where + " ORDER BY job_id, attempt FOR UPDATE",
                            rs -> rs.getString(1),
                            args.subList(1, args.size()).toArray());
                }
                if (Sql.update(c, "UPDATE attempts SET lease_expires_at = ?" + where, args.toArray()) == 0) continue;
                List<LeaseRenewal.Attempt> current = Sql.query(
                        c,
                        "SELECT job_id, attempt FROM attempts" + where,
                        rs -> new LeaseRenewal.Attempt(rs.getString("job_id"), rs.getInt("attempt")),
                        args.subList(1, args.size()).toArray());
                if (current.isEmpty()) continue;
                Map<String, JobRecord> jobs = new HashMap<>();
                for (JobRecord j : Sql.query(
                        c,
                        "SELECT * FROM jobs WHERE id IN (" + String.join(",", Collections.nCopies(current.size(), "?"))
                                + ")",
                        JobStore::job,
                        current.stream().map(LeaseRenewal.Attempt::jobId).toArray())) jobs.put(j.id(), j);
                for (LeaseRenewal.Attempt a : current) {
                    JobRecord j = jobs.get(a.jobId());
                    if (j != null) renewed.put(a, j);
                }
            }
            return renewed;
        });
    }

    /** Attempts per statement of a batched renewal (two parameters each, well below either database's limit). */
    private static final int RENEWAL_CHUNK = 500;

    public enum CompleteOutcome {
        COMPLETED,
        ALREADY_COMPLETED,
        STALE
    }

    /**
     * What a runner reported for its attempt: the result (a final state), why (null if it succeeded), the steps,
     * outputs and annotations as JSON (annotations null if none), resource use and how many secret values it masked.
     */
    public record Completion(
            JobState result,
            String reason,
            String stepsJson,
            String outputsJson,
            String annotationsJson,
            ResourceUsage usage,
            long secretsMasked) {
        /** A bare result: no reason, no steps, outputs or annotations, usage unknown. */
        public static Completion of(JobState result) {
            return new Completion(result, null, "[]", null, null, ResourceUsage.UNKNOWN, 0);
        }

        public Completion because(String why) {
            return new Completion(result, why, stepsJson, outputsJson, annotationsJson, usage, secretsMasked);
        }
    }

    /** Records the attempt's result, if it is still the job's running attempt. */
    public CompleteOutcome complete(String jobId, int attempt, Completion done, long now) {
        return completeWith(jobId, attempt, done, now).outcome();
    }

    /** What {@link #completeWith} did, and the job as it is after (null if there is no such attempt). */
    public record Completed(CompleteOutcome outcome, JobRecord job) {}

    /**
     * As {@link #complete}, also returning the job as it is after: the caller needs no read after the write. The
     * usual case is two statements: the job's move, fenced by its attempt still running (RETURNING the row), and the
     * attempt's; only a stale or repeated report reads the attempt to tell which it is.
     */
    public Completed completeWith(String jobId, int attempt, Completion done, long now) {
        return transitions.tx(db, (c, p) -> {
            record Moved(JobRecord job, boolean inGroup) {}
            Moved moved = moveJobReturning(
                    c,
                    rs -> new Moved(job(rs), rs.getString("concurrency_group") != null),
                    "? AND EXISTS (SELECT 1 FROM attempts a WHERE a.job_id = jobs.id AND a.attempt = ? AND a.state = ?)",
                    List.of(jobId, attempt, AttemptState.RUNNING.wireName()),
                    attempt,
                    JobState.RUNNING,
                    done.result(),
                    "reason = ?, steps = ?, outputs = ?, annotations = ?, finished_at = ?, cpu_seconds = ?,"
                            + " peak_memory_bytes = ?, oom_killed = ?, secrets_masked = ?",
                    done.reason(),
                    done.stepsJson(),
                    done.outputsJson(),
                    done.annotationsJson(),
                    now,
                    done.usage().cpuSeconds(),
                    done.usage().peakMemoryBytes(),
                    done.usage().oomKilled() ? 1 : 0,
                    done.secretsMasked());
            JobRecord job = moved == null ? null : moved.job();
            if (job == null) {
                AttemptRecord a = Sql.one(
                        c,
                        "SELECT * FROM attempts WHERE job_id = ? AND attempt = ?",
                        JobStore::attempt,
                        jobId,
                        attempt);
                CompleteOutcome why = a != null && a.state() == AttemptState.FINISHED
                        ? CompleteOutcome.ALREADY_COMPLETED
                        : CompleteOutcome.STALE;
                return new Completed(why, a == null ? null : get(c, jobId));
            }
            moveAttempt(c, jobId, attempt, AttemptState.RUNNING, AttemptState.FINISHED, now);
            if (moved.inGroup()) p.groupFreed(); // a queued job of its group may start now
            // the job's runner is its current attempt's: the claim set both
            p.add(Transition.of(job, attempt, JobState.RUNNING, Transition.Cause.COMPLETED, now, job.runnerId()));
            return new Completed(CompleteOutcome.COMPLETED, job);
        });
    }

    public enum CancelOutcome {
        CANCELLED,
        REQUESTED,
        ALREADY_FINISHED,
        NOT_FOUND
    }

    /** A user cancels the job. */
    public CancelOutcome cancel(String jobId, long now) {
        return transitions.tx(db, (c, p) -> cancel(c, p, jobId, now, null, Transition.Cause.USER_CANCEL));
    }

    /**
     * Cancels in the caller's transaction: a queued job at once, a running one by request (its runner stops it at
     * the next heartbeat, which carries {@code reason}). A null reason means a user asked.
     */
    public static CancelOutcome cancel(
            Connection c, Transitions.Pending p, String jobId, long now, String reason, Transition.Cause cause)
            throws SQLException {
        JobRecord j = get(c, jobId);
        if (j == null) return CancelOutcome.NOT_FOUND;
        if (j.state().isTerminal()) return CancelOutcome.ALREADY_FINISHED;
        if (moveJob(
                        c,
                        jobId,
                        null,
                        JobState.QUEUED,
                        JobState.CANCELLED,
                        "finished_at = ?, reason = ?",
                        now,
                        reason == null ? "cancelled before it started" : reason)
                == 1) {
            p.add(Transition.of(get(c, jobId), j.attempt(), JobState.QUEUED, cause, now, null));
            return CancelOutcome.CANCELLED;
        }
        Sql.update(
                c,
                "UPDATE jobs SET cancel_requested = 1, reason = ? WHERE id = ? AND state = ?",
                reason == null ? "cancelled by a user" : reason,
                jobId,
                JobState.RUNNING.wireName());
        return CancelOutcome.REQUESTED;
    }

    /**
     * Gives every running attempt a lease until at least {@code now + leaseMs}: lease time counts only while a control
     * plane serves, so after a start or a stall no attempt is charged for the time nobody could answer its heartbeats.
     * Returns how many attempts were extended.
     */
    public int extendLeases(long now, long leaseMs) {
        return db.tx(c -> {
            if (db.dialect() == Database.Dialect.POSTGRESQL) // the renewals' and the lease loop's lock order
            Sql.query(
                        c,
                        "SELECT job_id FROM attempts WHERE state = 'running' AND lease_expires_at < ?"
                                + " ORDER BY job_id, attempt FOR UPDATE",
                        rs -> rs.getString(1),
                        now + leaseMs);
            return Sql.update(
                    c,
                    "UPDATE attempts SET lease_expires_at = ? WHERE state = 'running' AND lease_expires_at < ?",
                    now + leaseMs,
                    now + leaseMs);
        });
    }

    /**
     * Running attempts whose lease ran out are lost: the job is requeued as a new attempt if it has attempts left,
     * cancelled if a cancel was pending, failed with "runner lost" otherwise. Running jobs far past their timeout
     * (the agent should have stopped them) are timed out the same way.
     */
    public List<Transition> expireLeases(long now, long leaseMs) {
        return transitions.tx(db, (c, p) -> {
            List<RunningAttempt> lost = Sql.query(
                    c,
                    "SELECT a.job_id, a.attempt, a.runner_id, a.state FROM attempts a JOIN jobs j ON j.id = a.job_id"
                            + " AND j.attempt = a.attempt WHERE a.state IN (?, ?)"
                            + " AND (a.lease_expires_at < ? OR j.started_at + j.timeout_ms + ? < ?)"
                            + " ORDER BY a.job_id, a.attempt", // row locks in one order with renewals: no deadlock
                    RunningAttempt::of,
                    AttemptState.RUNNING.wireName(),
                    AttemptState.FENCED.wireName(),
                    now,
                    leaseMs,
                    now);
            List<Transition> out = new ArrayList<>();
            for (RunningAttempt l : lost) {
                Transition t = end(c, p, l, now, leaseMs);
                if (t != null) out.add(t);
            }
            return out;
        });
    }

    /**
     * Fences, in the caller's transaction, every running attempt of a runner that was just deleted: from now on its
     * writes are refused (409 stale_attempt; the agent stops the job at its next call), and when its lease runs out
     * the lease loop requeues, cancels or fails the job as for a lost lease, with reason "runner deleted". Not at
     * once: until then the deleted runner may still be running it, and two attempts never run at once.
     */
    static List<Transition> endAttemptsOfDeletedRunner(Connection c, Transitions.Pending p, String runnerId, long now)
            throws SQLException {
        StateMachine.require(AttemptState.RUNNING, AttemptState.FENCED);
        Sql.update(
                c,
                "UPDATE attempts SET state = ? WHERE runner_id = ? AND state = ?",
                AttemptState.FENCED.wireName(),
                runnerId,
                AttemptState.RUNNING.wireName());
        return List.of();
    }

    /** An attempt still running (or fenced), as the lease loop finds it. */
    private record RunningAttempt(String jobId, int attempt, String runnerId, AttemptState state) {
        static RunningAttempt of(ResultSet rs) throws SQLException {
            return new RunningAttempt(
                    rs.getString(1), rs.getInt(2), rs.getString(3), AttemptState.fromWire(rs.getString(4)));
        }
    }

    private static Transition end(Connection c, Transitions.Pending p, RunningAttempt a, long now, long leaseMs)
            throws SQLException {
        return end(
                c, p, a.jobId(), a.attempt(), a.state(), a.runnerId(), now, leaseMs, a.state() == AttemptState.FENCED);
    }

    /** Ends one running attempt without a result (lease lost, or its runner deleted); null if it was not running. */
    private static Transition end(
            Connection c,
            Transitions.Pending p,
            String jobId,
            int attempt,
            AttemptState from,
            String runnerId,
            long now,
            long leaseMs,
            boolean runnerDeleted)
            throws SQLException {
        if (moveAttempt(c, jobId, attempt, from, AttemptState.LOST, now) == 0) return null;
        JobRecord j = get(c, jobId);
        String lostHow = runnerDeleted ? "runner deleted" : "runner lost";
        Transition.Cause cause = runnerDeleted ? Transition.Cause.RUNNER_DELETED : Transition.Cause.LEASE_EXPIRED;
        JobState next;
        String reason;
        if (!runnerDeleted && j.startedAt() != null && j.startedAt() + j.timeoutMs() + leaseMs < now) {
            next = JobState.TIMED_OUT;
            reason = "timed out (the runner did not stop it)";
            cause = Transition.Cause.TIMEOUT;
        } else if (j.cancelRequested()) {
            next = JobState.CANCELLED;
            reason = "cancelled (" + lostHow + ")";
        } else if (j.attempt() < j.maxAttempts()) {
            next = JobState.QUEUED;
            reason = lostHow + " on attempt " + attempt + "; requeued";
        } else {
            next = JobState.FAILED;
            reason = lostHow + (runnerDeleted ? " (" : " (no heartbeat for " + leaseMs / 1000 + " s, ") + "attempt "
                    + attempt + " of " + j.maxAttempts() + ")";
        }
        if (next == JobState.QUEUED) {
            moveJob(
                    c,
                    jobId,
                    attempt,
                    JobState.RUNNING,
                    JobState.QUEUED,
                    "queued_at = ?, runner_id = NULL, runner_name = NULL, started_at = NULL, reason = ?",
                    now,
                    reason);
        } else {
            moveJob(c, jobId, attempt, JobState.RUNNING, next, "finished_at = ?, reason = ?", now, reason);
        }
        Transition t = Transition.of(get(c, jobId), attempt, JobState.RUNNING, cause, now, runnerId);
        p.add(t);
        if (Sql.one(c, "SELECT concurrency_group FROM jobs WHERE id = ?", rs -> rs.getString(1), jobId) != null)
            p.groupFreed(); // a queued job of its group may start now (the lease loop's path: rare)
        return t;
    }

    /**
     * Moves job {@code id} (at {@code attempt}, if not null) from {@code from} to {@code to}, a move {@link
     * StateMachine} must allow, setting {@code sets} (SQL assignments, their values in {@code args}) with it. Returns
     * the rows changed: 0 if the job was not in {@code from} (another writer moved it first).
     */
    private static int moveJob(
            Connection c, String id, Integer attempt, JobState from, JobState to, String sets, Object... args)
            throws SQLException {
        JobMove m = JobMove.of("?", List.of(id), attempt, from, to, sets, args, false);
        return Sql.update(c, m.sql(), m.args());
    }

    /**
     * As {@link #moveJob}, for the job {@code idSql} picks (an SQL expression and its arguments, which may add
     * conditions after it), returning the job as it is after the move; null if no job moved.
     */
    private static JobRecord moveJobReturning(
            Connection c,
            String idSql,
            List<Object> idArgs,
            Integer attempt,
            JobState from,
            JobState to,
            String sets,
            Object... args)
            throws SQLException {
        return moveJobReturning(c, JobStore::job, idSql, idArgs, attempt, from, to, sets, args);
    }

    /** As above, the row read by {@code row}. */
    private static <T> T moveJobReturning(
            Connection c,
            Sql.Row<T> row,
            String idSql,
            List<Object> idArgs,
            Integer attempt,
            JobState from,
            JobState to,
            String sets,
            Object... args)
            throws SQLException {
        JobMove m = JobMove.of(idSql, idArgs, attempt, from, to, sets, args, true);
        return Sql.one(c, m.sql(), row, m.args());
    }

    /** The one UPDATE every job state change is made of, checked against {@link StateMachine}. */
    private record JobMove(String sql, Object[] args) {
        static JobMove of(
                String idSql,
                List<Object> idArgs,
                Integer attempt,
                JobState from,
                JobState to,
                String sets,
                Object[] args,
                boolean returning) {
            StateMachine.require(from, to);
            List<Object> all = new ArrayList<>();
            all.add(to.wireName());
            all.addAll(Arrays.asList(args));
            all.addAll(idArgs);
            all.add(from.wireName());
            if (attempt != null) all.add(attempt);
            return new JobMove(
                    "UPDATE jobs SET state = ?, " + sets + " WHERE id = " + idSql + " AND state = ?"
                            + (attempt == null ? "" : " AND attempt = ?") + (returning ? " RETURNING *" : ""),
                    all.toArray());
        }
    }

    /** Moves an attempt from {@code from} to {@code to} (a move {@link StateMachine} must allow); rows changed. */
    private static int moveAttempt(
            Connection c, String jobId, int attempt, AttemptState from, AttemptState to, long endedAt)
            throws SQLException {
        StateMachine.require(from, to);
        return Sql.update(
                c,
                "UPDATE attempts SET state = ?, ended_at = ? WHERE job_id = ? AND attempt = ? AND state = ?",
                to.wireName(),
                endedAt,
                jobId,
                attempt,
                from.wireName());
    }

    public int runningJobs(String runnerId) {
        return db.read(c -> Sql.one(
                c,
                "SELECT COUNT(*) FROM attempts WHERE runner_id = ? AND state = 'running'",
                rs -> rs.getInt(1),
                runnerId));
    }

    static JobRecord get(Connection c, String id) throws SQLException {
        return Sql.one(c, "SELECT * FROM jobs WHERE id = ?", JobStore::job, id);
    }

    static JobRecord job(ResultSet rs) throws SQLException {
        return new JobRecord(
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("spec"),
                Labels.decodeList(rs.getString("labels")),
                JobState.fromWire(rs.getString("state")),
                rs.getInt("attempt"),
                rs.getInt("max_attempts"),
                rs.getLong("timeout_ms"),
                rs.getString("runner_id"),
                rs.getString("runner_name"),
                rs.getLong("created_at"),
                rs.getLong("queued_at"),
                Sql.nullableLong(rs, "started_at"),
                Sql.nullableLong(rs, "finished_at"),
                rs.getString("reason"),
                rs.getInt("cancel_requested") != 0,
                rs.getString("steps"),
                rs.getString("run_id"),
                rs.getString("job_key"),
                rs.getObject("matrix_index") == null ? null : rs.getInt("matrix_index"),
                rs.getObject("matrix_total") == null ? null : rs.getInt("matrix_total"),
                rs.getInt("continue_on_error") != 0,
                rs.getString("outputs"),
                rs.getString("annotations"),
                new ResourceUsage(
                        rs.getObject("cpu_seconds") == null ? null : rs.getDouble("cpu_seconds"),
                        Sql.nullableLong(rs, "peak_memory_bytes"),
                        rs.getInt("oom_killed") != 0),
                rs.getInt("run_attempt"),
                rs.getString("carried_from"));
    }

    static AttemptRecord attempt(ResultSet rs) throws SQLException {
        return new AttemptRecord(
                rs.getString("job_id"),
                rs.getInt("attempt"),
                rs.getString("runner_id"),
                AttemptState.fromWire(rs.getString("state")),
                rs.getLong("lease_expires_at"));
    }
}
