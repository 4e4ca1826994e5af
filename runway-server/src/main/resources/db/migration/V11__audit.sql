-- The audit log: security-relevant events, append-only and hash-chained (each record's hash covers the previous
-- record's hash and its own fields), so an edited or deleted record breaks the chain (`runway audit verify`).
CREATE TABLE audit (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT,
  detail TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
