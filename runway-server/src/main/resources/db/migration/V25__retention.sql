-- Data lifecycle (issue 21): when retention removed an attempt's log (its chunks replaced by one line saying so), and
-- indexes for the retention pass, which looks for what is older than each kind's retention, in bounded batches.
ALTER TABLE attempts ADD COLUMN log_removed_at BIGINT;
CREATE INDEX attempts_log_kept ON attempts (ended_at) WHERE log_removed_at IS NULL;
CREATE INDEX jobs_finished ON jobs (finished_at);
CREATE INDEX runs_finished ON runs (finished_at);
CREATE INDEX artifacts_created ON artifacts (created_at);
