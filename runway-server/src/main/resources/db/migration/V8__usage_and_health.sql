-- What a job's last attempt used, as its runner measured it (null where the runner's host could not tell).
ALTER TABLE jobs ADD COLUMN cpu_seconds DOUBLE PRECISION;
ALTER TABLE jobs ADD COLUMN peak_memory_bytes BIGINT;
ALTER TABLE jobs ADD COLUMN oom_killed INTEGER NOT NULL DEFAULT 0;
-- Why a runner says it cannot take jobs (e.g. its disk is nearly full); null while it is healthy.
ALTER TABLE runners ADD COLUMN unhealthy_reason TEXT;
