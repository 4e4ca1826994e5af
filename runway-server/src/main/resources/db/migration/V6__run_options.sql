-- How a run was asked for beyond its workflow: {"jobs": [...], "matrix": {...}, "workingTree": true} (runway run).
ALTER TABLE runs ADD COLUMN options TEXT;
