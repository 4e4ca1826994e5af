-- API tokens get a name (what it is for) and the time of their last use (to find stale ones).
ALTER TABLE api_tokens ADD COLUMN name TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
