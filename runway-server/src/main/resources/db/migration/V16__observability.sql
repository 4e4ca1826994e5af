-- What a runner's host uses, from its periodic health report (SLIs M5-M7); null until it reports.
ALTER TABLE runners ADD COLUMN cpu_ratio DOUBLE PRECISION;
ALTER TABLE runners ADD COLUMN memory_used_bytes BIGINT;
ALTER TABLE runners ADD COLUMN memory_total_bytes BIGINT;
ALTER TABLE runners ADD COLUMN disk_used_bytes BIGINT;
ALTER TABLE runners ADD COLUMN disk_total_bytes BIGINT;
ALTER TABLE runners ADD COLUMN resources_at BIGINT;
-- How many secret values the runner masked in the job's last attempt's log (SLI M10).
ALTER TABLE jobs ADD COLUMN secrets_masked INTEGER NOT NULL DEFAULT 0;
-- When the runner's registration token was created, for runners a fleet scaler started: provisioning time (M4) runs
-- from it to registration and to the runner's first job.
ALTER TABLE runners ADD COLUMN requested_at BIGINT;
