-- Jobs: background work of the Upload API (eager_async renditions,
-- notification webhooks), leased like the outbox so that it survives
-- restarts and can be shared by several nodes.
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    payload          BLOB NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,            -- Unix ms
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      INTEGER NOT NULL DEFAULT 0,  -- Unix ms
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL             -- Unix ms
);
CREATE INDEX jobs_due ON jobs(next_attempt_at);
