-- Workflow runs (issue 3). A run keeps the workflow file as read at its commit, so planning never re-reads git.
-- Its jobs are rows of `jobs`, created as they become ready (needs satisfied), one per matrix combination.
CREATE TABLE runs (
  seq ${seq_pk},
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  workflow_path TEXT NOT NULL,
  workflow TEXT NOT NULL,
  repo TEXT,
  ref TEXT,
  sha TEXT,
  event TEXT NOT NULL,
  inputs TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX runs_state ON runs (state);

ALTER TABLE jobs ADD COLUMN run_id TEXT;
ALTER TABLE jobs ADD COLUMN job_key TEXT;
ALTER TABLE jobs ADD COLUMN matrix_index INTEGER;
ALTER TABLE jobs ADD COLUMN matrix_total INTEGER;
ALTER TABLE jobs ADD COLUMN continue_on_error INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN outputs TEXT;
CREATE UNIQUE INDEX jobs_run_leg ON jobs (run_id, job_key, matrix_index);
