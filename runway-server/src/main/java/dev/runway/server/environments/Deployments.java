package dev.runway.server.environments;

import dev.runway.server.store.Database;
import dev.runway.server.store.RunRecord;
import dev.runway.server.store.Sql;
import dev.runway.workflow.events.FilterPattern;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * Deployments waiting on an environment's protection rules. The first job of a run attempt that deploys to a
 * protected environment opens one request for the attempt and environment; every job of the attempt that deploys
 * there starts only once the request is approved by one of the environment's reviewers and its wait timer has
 * passed, and fails when it is rejected or when the run's branch may not deploy there. Jobs are not created while
 * they wait, so no runner can claim one early: the run scheduler plans them again each time it advances the run
 * (on a decision, and every few seconds for the timer).
 */
public final class Deployments {
    public enum State {
        WAITING,
        APPROVED,
        REJECTED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A deployment request of a run attempt; {@code reviewers} as the environment lists them now. */
    public record Request(
            String runId,
            int runAttempt,
            String environment,
            State state,
            long requestedAt,
            long dueAt,
            String decidedBy,
            Long decidedAt,
            String comment,
            List<String> reviewers) {}

    /** What a job that deploys to an environment may do now. */
    public sealed interface Verdict {
        record Proceed() implements Verdict {}

        record Wait() implements Verdict {}

        record Refuse(String reason) implements Verdict {}
    }

    /** Why a decision was refused, and with which HTTP status. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** A request with its environment's shown name and reviewers (the rules as they are now). */
    private static final String SELECT = "SELECT d.*, e.name AS env_name, e.reviewers AS env_reviewers"
            + " FROM deployment_approvals d LEFT JOIN environments e ON e.name_key = d.environment";

    private final Database db;

    public Deployments(Database db) {
        this.db = db;
    }

    /**
     * In the run scheduler's transaction: may a job of {@code run} that deploys to {@code environment} start at
     * {@code now}? Opens the attempt's request on first sight.
     */
    public static Verdict check(Connection c, RunRecord run, String environment, long now) throws SQLException {
        EnvironmentStore.Environment env = EnvironmentStore.get(c, environment);
        if (env == null) return new Verdict.Proceed();
        if (!env.branches().isEmpty()) {
            String ref = run.ref() == null ? "" : run.ref();
            String branch = ref.startsWith("refs/heads/")
                    ? ref.substring("refs/heads/".length())
                    : ref.startsWith("refs/tags/") ? ref.substring("refs/tags/".length()) : ref;
            if (!FilterPattern.matches(env.branches(), branch))
                return new Verdict.Refuse("'" + (branch.isEmpty() ? "(no branch)" : branch)
                        + "' may not deploy to environment '" + env.name() + "' (its rules allow "
                        + String.join(", ", env.branches()) + ")");
        }
        if (!env.protectedByReview()) return new Verdict.Proceed();
        String key = env.name().toLowerCase(Locale.ROOT);
        Request r = request(c, run.id(), run.attempt(), key);
        if (r == null) {
            State initial = env.reviewers().isEmpty() ? State.APPROVED : State.WAITING;
            Sql.update(
                    c,
                    "INSERT INTO deployment_approvals (run_id, run_attempt, environment, state, requested_at, due_at)"
                            + " VALUES (?, ?, ?, ?, ?, ?)",
                    run.id(),
                    run.attempt(),
                    key,
                    initial.wireName(),
                    now,
                    now + env.waitSeconds() * 1000L);
            r = request(c, run.id(), run.attempt(), key);
        }
        return switch (r.state()) {
            case REJECTED ->
                new Verdict.Refuse("the deployment to environment '" + env.name() + "' was rejected by " + r.decidedBy()
                        + (r.comment() == null || r.comment().isBlank() ? "" : ": " + r.comment()));
            case WAITING -> new Verdict.Wait();
            case APPROVED -> now >= r.dueAt() ? new Verdict.Proceed() : new Verdict.Wait();
        };
    }

    /** The requests of a run's current attempt, oldest first. */
    public List<Request> ofRun(String runId) {
        return db.read(c -> Sql.query(
                c,
                SELECT
                        + " WHERE d.run_id = ? AND d.run_attempt = (SELECT run_attempt FROM runs WHERE id = ?)"
                        + " ORDER BY d.requested_at, d.environment",
                Deployments::row,
                runId,
                runId));
    }

    /**
     * Approves or rejects the waiting deployment of {@code runId}'s current attempt to {@code environment}, as the
     * token named {@code reviewer}, who must be one of the environment's reviewers. One decision settles it, as on
     * GitHub when any one required reviewer approves.
     */
    public Request decide(
            String runId, String environment, String reviewer, boolean approve, String comment, long now) {
        String key = environment.toLowerCase(Locale.ROOT);
        return db.tx(c -> {
            Integer attempt = Sql.one(c, "SELECT run_attempt FROM runs WHERE id = ?", rs -> rs.getInt(1), runId);
            if (attempt == null) throw new Refused(404, "no run with id '" + runId + "'");
            Request r = request(c, runId, attempt, key);
            if (r == null)
                throw new Refused(
                        404,
                        "run " + runId + " has no deployment to environment '" + environment
                                + "' (a job must reach it first)");
            EnvironmentStore.Environment env = EnvironmentStore.get(c, key);
            List<String> reviewers = env == null ? List.of() : env.reviewers();
            if (reviewers.stream().noneMatch(x -> x.equalsIgnoreCase(reviewer)))
                throw new Refused(
                        403,
                        "only the reviewers of environment '" + r.environment() + "' ("
                                + (reviewers.isEmpty() ? "none now" : String.join(", ", reviewers))
                                + ") may decide its deployments; you are '" + reviewer + "'");
            if (r.state() != State.WAITING)
                throw new Refused(
                        409,
                        "the deployment to environment '" + r.environment() + "' was already "
                                + r.state().wireName() + (r.decidedBy() == null ? "" : " by " + r.decidedBy()));
            Sql.update(
                    c,
                    "UPDATE deployment_approvals SET state = ?, decided_by = ?, decided_at = ?, comment = ?"
                            + " WHERE run_id = ? AND run_attempt = ? AND environment = ? AND state = ?",
                    (approve ? State.APPROVED : State.REJECTED).wireName(),
                    reviewer,
                    now,
                    comment == null || comment.isBlank() ? null : comment.strip(),
                    runId,
                    attempt,
                    key,
                    State.WAITING.wireName());
            return request(c, runId, attempt, key);
        });
    }

    private static Request request(Connection c, String runId, int attempt, String key) throws SQLException {
        return Sql.one(
                c,
                SELECT + " WHERE d.run_id = ? AND d.run_attempt = ? AND d.environment = ?",
                Deployments::row,
                runId,
                attempt,
                key);
    }

    private static Request row(ResultSet rs) throws SQLException {
        String name = rs.getString("env_name");
        String reviewers = rs.getString("env_reviewers");
        return new Request(
                rs.getString("run_id"),
                rs.getInt("run_attempt"),
                name == null ? rs.getString("environment") : name,
                State.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                rs.getLong("requested_at"),
                rs.getLong("due_at"),
                rs.getString("decided_by"),
                Sql.nullableLong(rs, "decided_at"),
                rs.getString("comment"),
                reviewers == null ? List.of() : EnvironmentStore.names(reviewers));
    }
}
