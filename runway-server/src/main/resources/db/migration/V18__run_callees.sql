-- The reusable workflows a run calls, as read when it was created: {"<uses: as written>": "<the file's text>"}, so the
-- run's calls expand the same after a restart or on another replica (a run's text never changes).
ALTER TABLE runs ADD COLUMN callees TEXT;
