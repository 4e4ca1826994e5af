-- Re-runs: a run's attempt (github.run_attempt), its jobs per attempt, and the jobs an attempt took over unchanged
-- from the one before (their logs stay with the job they were carried from).
ALTER TABLE runs ADD COLUMN run_attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN run_attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN carried_from TEXT;
DROP INDEX jobs_run_leg;
CREATE UNIQUE INDEX jobs_run_leg ON jobs (run_id, run_attempt, job_key, matrix_index);
