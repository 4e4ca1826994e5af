-- on: schedule. Per (repository, workflow file, cron expression) the latest slot (epoch ms, a whole UTC minute) that
-- was fired or, for a schedule first seen, the slot it was first seen in. A replica fires a slot only by moving
-- last_fire forward with a conditional UPDATE, which succeeds for exactly one replica.
CREATE TABLE schedule_fires (
  repo TEXT NOT NULL,
  workflow_path TEXT NOT NULL,
  cron TEXT NOT NULL,
  last_fire BIGINT NOT NULL,
  PRIMARY KEY (repo, workflow_path, cron)
);
-- The event payload a run was started with beyond what Runway builds itself (github.event.schedule), as JSON, or null.
ALTER TABLE runs ADD COLUMN event_payload TEXT;
