-- Deployment environments (jobs.<id>.environment) and their protection rules. name_key is the name lower-cased:
-- environment names are not case sensitive, as on GitHub. reviewers and branches are JSON arrays ([] for none).
CREATE TABLE environments (
  name_key TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  reviewers TEXT NOT NULL,
  wait_seconds INTEGER NOT NULL,
  branches TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- One deployment request per run attempt and environment: every job of the attempt that deploys there waits on it.
-- state is waiting, approved or rejected; due_at is when the wait timer lets the jobs start.
CREATE TABLE deployment_approvals (
  run_id TEXT NOT NULL,
  run_attempt INTEGER NOT NULL,
  environment TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  decided_by TEXT,
  decided_at BIGINT,
  comment TEXT,
  PRIMARY KEY (run_id, run_attempt, environment)
);
