-- Configuration variables (vars.*): readable values, for every repository (scope '') or one (owner/name).
CREATE TABLE variables (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope, name)
);
ALTER TABLE runs ADD COLUMN vars TEXT;
