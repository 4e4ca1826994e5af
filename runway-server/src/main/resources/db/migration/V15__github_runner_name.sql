-- The runner GitHub named in a workflow_job event (in_progress, completed): the fleet scaler removes the instance
-- whose just-in-time runner finished its job by this name.
ALTER TABLE github_workflow_jobs ADD COLUMN runner_name TEXT;
