package dev.runway.server.store;

import java.util.List;

/** Webhook deliveries already handled, and GitHub's workflow_job events kept for the fleet scaler. */
public final class WebhookStore {
    public record WorkflowJob(
            String deliveryId, String action, Long jobId, Long runId, String repository, String labels, long at) {}

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
                "INSERT INTO github_workflow_jobs (delivery_id, action, job_id, run_id, repository, labels, received_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?)",
                j.deliveryId(),
                j.action(),
                j.jobId(),
                j.runId(),
                j.repository(),
                j.labels(),
                j.at()));
    }

    public List<WorkflowJob> workflowJobs(int limit) {
        return db.read(c -> Sql.query(
                c,
                "SELECT * FROM github_workflow_jobs ORDER BY received_at DESC LIMIT ?",
                rs -> new WorkflowJob(
                        rs.getString("delivery_id"),
                        rs.getString("action"),
                        Sql.nullableLong(rs, "job_id"),
                        Sql.nullableLong(rs, "run_id"),
                        rs.getString("repository"),
                        rs.getString("labels"),
                        rs.getLong("received_at")),
                limit));
    }
}
