package dev.runway.server.store;

import dev.runway.protocol.JobState;
import dev.runway.server.tokens.Tokens;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Workflow runs. Their jobs live in {@link JobStore}; {@code RunScheduler} moves a run forward. */
public final class RunStore {
    private final Database db;

    public RunStore(Database db) {
        this.db = db;
    }

    public Database database() {
        return db;
    }

    public record NewRun(
            String name,
            String workflowPath,
            String workflowText,
            String repo,
            String ref,
            String sha,
            String event,
            String inputsJson,
            String optionsJson,
            String calleesJson,
            String eventJson,
            String varsJson,
            String secretsWithheld) {}

    public RunRecord insert(NewRun r, long now) {
        String id = Tokens.id("r");
        return db.tx(c -> {
            Sql.update(
                    c,
                    "INSERT INTO runs (id, name, workflow_path, workflow, repo, ref, sha, event, inputs, options, callees,"
                            + " event_payload, vars, secrets_withheld, state, created_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
                    id,
                    r.name(),
                    r.workflowPath(),
                    r.workflowText(),
                    r.repo(),
                    r.ref(),
                    r.sha(),
                    r.event(),
                    r.inputsJson(),
                    r.optionsJson(),
                    r.calleesJson(),
                    r.eventJson(),
                    r.varsJson(),
                    r.secretsWithheld(),
                    now);
            return get(c, id);
        });
    }

    public RunRecord get(String id) {
        return db.read(c -> get(c, id));
    }

    public List<RunRecord> list(int limit) {
        return db.read(c -> Sql.query(c, "SELECT * FROM runs ORDER BY seq DESC LIMIT ?", RunStore::run, limit));
    }

    /** Runs not finished yet (the scheduler's sweep looks at them after a crash or a missed event). */
    public List<String> active() {
        return db.read(c -> Sql.query(
                c, "SELECT id FROM runs WHERE state IN ('queued', 'running') ORDER BY seq", rs -> rs.getString(1)));
    }

    /** Reads the run for an update: on PostgreSQL the row is locked, so replicas advance one run one at a time. */
    public RunRecord lock(Connection c, String id) throws SQLException {
        return Sql.one(
                c,
                db.dialect() == Database.Dialect.POSTGRESQL
                        ? "SELECT * FROM runs WHERE id = ? FOR UPDATE"
                        : "SELECT * FROM runs WHERE id = ?",
                RunStore::run,
                id);
    }

    public static void setState(Connection c, String id, JobState state, String reason, Long finishedAt)
            throws SQLException {
        Sql.update(
                c,
                "UPDATE runs SET state = ?, reason = ?, finished_at = ? WHERE id = ?",
                state.wireName(),
                reason,
                finishedAt,
                id);
    }

    public static void setGroup(Connection c, String id, String group) throws SQLException {
        Sql.update(c, "UPDATE runs SET concurrency_group = ? WHERE id = ?", group, id);
    }

    /** An unfinished run of a concurrency group. */
    public record GroupRun(String runId, JobState state) {
        public boolean running() {
            return state == JobState.RUNNING;
        }
    }

    /** Unfinished runs of a concurrency group other than {@code except}. */
    public static List<GroupRun> inGroup(Connection c, String group, String except) throws SQLException {
        return Sql.query(
                c,
                "SELECT id, state FROM runs WHERE concurrency_group = ? AND id <> ? AND state IN (?, ?)",
                rs -> new GroupRun(rs.getString(1), JobState.fromWire(rs.getString(2))),
                group,
                except,
                JobState.QUEUED.wireName(),
                JobState.RUNNING.wireName());
    }

    /**
     * Starts the run's next attempt (a re-run): queued again, its outcome, cancel and concurrency group cleared, so the
     * scheduler plans it as a new run whose jobs are those of the new attempt.
     */
    public static void startAttempt(Connection c, String id, int attempt) throws SQLException {
        Sql.update(
                c,
                "UPDATE runs SET run_attempt = ?, state = 'queued', reason = NULL, finished_at = NULL,"
                        + " cancel_requested = 0, concurrency_group = NULL WHERE id = ?",
                attempt,
                id);
    }

    public static void requestCancel(Connection c, String id) throws SQLException {
        Sql.update(c, "UPDATE runs SET cancel_requested = 1 WHERE id = ?", id);
    }

    static RunRecord get(Connection c, String id) throws SQLException {
        return Sql.one(c, "SELECT * FROM runs WHERE id = ?", RunStore::run, id);
    }

    static RunRecord run(ResultSet rs) throws SQLException {
        return new RunRecord(
                rs.getString("id"),
                rs.getLong("seq"),
                rs.getString("name"),
                rs.getString("workflow_path"),
                rs.getString("workflow"),
                rs.getString("repo"),
                rs.getString("ref"),
                rs.getString("sha"),
                rs.getString("event"),
                rs.getString("inputs"),
                JobState.fromWire(rs.getString("state")),
                rs.getString("reason"),
                rs.getInt("cancel_requested") != 0,
                rs.getLong("created_at"),
                Sql.nullableLong(rs, "finished_at"),
                rs.getString("options"),
                rs.getString("concurrency_group"),
                rs.getString("callees"),
                rs.getString("event_payload"),
                rs.getInt("run_attempt"),
                rs.getString("vars"),
                rs.getString("secrets_withheld"));
    }
}
