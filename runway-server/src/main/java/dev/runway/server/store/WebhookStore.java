package dev.runway.server.store;

import java.util.List;

/** Webhook deliveries already handled, and GitHub's workflow_job events kept for the fleet scaler. */
public final class WebhookStore {
    /** {@code labels} comma-separated; {@code runnerName} null until a runner took the job. */
    public record WorkflowJob(
            String deliveryId,
            String action,
            Long jobId,
            Long runId,
            String repository,
            String labels,
            String runnerName,
            long at) {}

    private final Database db;

    public WebhookStore(Database db) {
        this.db = db;
    }

    /** Records a delivery id; false if it was seen before (a redelivery). */
    public boolean firstDelivery(String id, String event, long now) {
        return db.tx(c -> {
            if (Sql.one(c, "SELECT id FROM webhook_deliveries WHERE id = ?", rs -> rs.getString(1), id) != null)
                return false;
            Sql.update(c, "INSERT INTO webhook_deliveries (id, event, received_at) VALUES (?, ?, ?)", id, event, now);
            return true;
        });
    }

    public void recordWorkflowJob(WorkflowJob j) {
        db.tx(c -> Sql.update(
                c,
                "INSERT INTO github_workflow_jobs (delivery_id, action, job_id, run_id, repository, labels, runner_name,"
                        + " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                j.deliveryId(),
                j.action(),
                j.jobId(),
                j.runId(),
                j.repository(),
                j.labels(),
                j.runnerName(),
                j.at()));
    }

    /**
     * Events received at or after {@code since} (epoch ms), oldest first. Inclusive, so a reader that resumes from the
     * newest time it saw misses nothing recorded later in that same millisecond (it drops what it saw by delivery id).
     */
    public List<WorkflowJob> workflowJobsSince(long since, int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM github_workflow_jobs WHERE received_at >= ? ORDER BY received_at, delivery_id LIMIT ?",
                rs -> new WorkflowJob(
                        rs.getString("delivery_id"),
                        rs.getString("action"),
                        Sql.nullableLong(rs, "job_id"),
                        Sql.nullableLong(rs, "run_id"),
                        rs.getString("repository"),
                        rs.getString("labels"),
                        rs.getString("runner_name"),
                        rs.getLong("received_at")),
                since,
                limit));
    }
}
