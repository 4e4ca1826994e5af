-- Dependency caches (actions/cache), per repository scope; the archive is a file in <data-dir>/caches.
CREATE TABLE caches (
  scope TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  version TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  file TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  PRIMARY KEY (scope, cache_key, version)
);
CREATE INDEX caches_lru ON caches (last_used_at);
