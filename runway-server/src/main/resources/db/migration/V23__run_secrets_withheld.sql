-- Why a run's jobs are sent no secrets (on: pull_request from a fork or from Dependabot, as on GitHub), or null when
-- they are sent the ones they mention. Decided when the run is started; its jobs' specs carry it to the delivery.
ALTER TABLE runs ADD COLUMN secrets_withheld TEXT;
