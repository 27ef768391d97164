-- Jobs: background work of the Upload API (eager_async renditions,
-- notification webhooks), leased like the outbox so that it survives
-- restarts and is shared by every node (store/sqlite's 0005_jobs.sql).
-- Claims lock their rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT NOT NULL,
    payload          BYTEA NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,            -- Unix ms
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      BIGINT NOT NULL DEFAULT 0,  -- Unix ms
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL             -- Unix ms
);
CREATE INDEX jobs_due ON jobs(next_attempt_at, id);
