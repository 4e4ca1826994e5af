-- Core schema: tokens, runners, jobs, attempts, logs. Runs on SQLite and PostgreSQL; the two differ only in
-- ${seq_pk} (the FIFO sequence) and ${blob} (binary type), set as Flyway placeholders by Database.
-- Times are epoch milliseconds, booleans 0/1, lists comma-separated and sorted.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE registration_tokens (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  max_uses INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE runners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  slots INTEGER NOT NULL,
  version TEXT,
  credential_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
  seq ${seq_pk},
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  labels TEXT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  timeout_ms BIGINT NOT NULL,
  runner_id TEXT,
  runner_name TEXT,
  created_at BIGINT NOT NULL,
  queued_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  reason TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  steps TEXT
);
CREATE INDEX jobs_state_seq ON jobs (state, seq);

CREATE TABLE attempts (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  runner_id TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  lease_expires_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  log_received BIGINT NOT NULL DEFAULT 0,
  log_stored BIGINT NOT NULL DEFAULT 0,
  log_truncated INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, attempt)
);
CREATE INDEX attempts_state_lease ON attempts (state, lease_expires_at);
CREATE INDEX attempts_runner_state ON attempts (runner_id, state);

CREATE TABLE log_chunks (
  job_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  start_offset BIGINT NOT NULL,
  data ${blob} NOT NULL,
  PRIMARY KEY (job_id, attempt, start_offset)
);
