-- Label sets, so that a claim matches labels in SQL (JobStore.claim): a job's labels (jobs.labels, sorted and
-- comma-separated) name its label set; label_set_members lists the labels of each set. A runner may take a job when
-- no member of the job's set is missing from the runner's labels, so jobs no runner serves never hide the others.
-- ${strpos} is instr on SQLite, strpos on PostgreSQL (Database sets it).
CREATE TABLE label_sets (
  labels TEXT PRIMARY KEY
);
CREATE TABLE label_set_members (
  labels TEXT NOT NULL,
  label TEXT NOT NULL,
  PRIMARY KEY (labels, label)
);
CREATE INDEX jobs_state_labels_seq ON jobs (state, labels, seq);
-- back-fill: the sets of every job there is (a running job may be requeued later)
INSERT INTO label_sets (labels) SELECT DISTINCT labels FROM jobs;
WITH RECURSIVE split (labels, label, rest) AS (
  SELECT labels, CAST('' AS TEXT), labels || ',' FROM label_sets WHERE labels <> ''
  UNION ALL
  SELECT labels, substr(rest, 1, ${strpos}(rest, ',') - 1), substr(rest, ${strpos}(rest, ',') + 1) FROM split
  WHERE rest <> ''
)
INSERT INTO label_set_members (labels, label) SELECT DISTINCT labels, label FROM split WHERE label <> '';
