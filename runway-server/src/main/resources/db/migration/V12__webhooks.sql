-- GitHub webhook deliveries seen (X-GitHub-Delivery), so a redelivery is answered without acting twice.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
-- workflow_job events from GitHub (queued, in_progress, completed), for the fleet scaler.
CREATE TABLE github_workflow_jobs (
  delivery_id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  job_id BIGINT,
  run_id BIGINT,
  repository TEXT,
  labels TEXT,
  received_at BIGINT NOT NULL
);
CREATE INDEX github_workflow_jobs_received ON github_workflow_jobs (received_at);
