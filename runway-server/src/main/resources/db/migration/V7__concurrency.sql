-- Concurrency groups (workflow and job `concurrency:`), scoped to the repository; null when not in a group.
ALTER TABLE runs ADD COLUMN concurrency_group TEXT;
ALTER TABLE jobs ADD COLUMN concurrency_group TEXT;
CREATE INDEX runs_group ON runs (concurrency_group, state);
CREATE INDEX jobs_group ON jobs (concurrency_group, state);
