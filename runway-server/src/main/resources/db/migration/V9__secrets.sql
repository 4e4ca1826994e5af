-- Secrets, encrypted with AES-256-GCM under the master key (never stored in plain text). scope is '' for secrets of
-- every repository, else the repository (owner/name) they belong to. sealed is nonce || ciphertext || tag, base64.
CREATE TABLE secrets (
  scope TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed TEXT NOT NULL,
  key_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope, name)
);
