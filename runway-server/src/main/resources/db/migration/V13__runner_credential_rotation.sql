-- Runner credentials expire and are rotated by their agents; the previous one stays valid for a short overlap so a
-- request in flight during the rotation does not fail. Null expiry: a credential from before this migration (the
-- agent rotates it on its next start).
ALTER TABLE runners ADD COLUMN credential_expires_at BIGINT;
ALTER TABLE runners ADD COLUMN previous_credential_hash TEXT;
ALTER TABLE runners ADD COLUMN previous_expires_at BIGINT;
CREATE INDEX runners_previous_credential ON runners (previous_credential_hash);
