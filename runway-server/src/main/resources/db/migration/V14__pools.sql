-- Fleet scaling: a registration token (and the runner that uses it) may belong to a scaler pool, name the provider
-- instance it runs in and the rollout variant (stable or canary). first_job_at: when the runner claimed its first
-- job (provisioning time). pools: what the scaler last reported of each pool, and what operators decided (drain,
-- canary promote or rollback).
ALTER TABLE registration_tokens ADD COLUMN pool TEXT;
ALTER TABLE registration_tokens ADD COLUMN instance TEXT;
ALTER TABLE registration_tokens ADD COLUMN variant TEXT;
ALTER TABLE runners ADD COLUMN pool TEXT;
ALTER TABLE runners ADD COLUMN instance TEXT;
ALTER TABLE runners ADD COLUMN variant TEXT;
ALTER TABLE runners ADD COLUMN first_job_at BIGINT;
CREATE INDEX runners_pool ON runners (pool);
CREATE TABLE pools (
  name TEXT PRIMARY KEY,
  status TEXT,
  reported_at BIGINT,
  draining INTEGER NOT NULL DEFAULT 0,
  canary TEXT,
  updated_at BIGINT NOT NULL
);
