-- Outbox: CDN purges written in the same transaction as the change that
-- needs them, carried out by workers on any node. A task is leased to one
-- owner until lease_until (Unix ms); a dead owner's lease simply expires.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    keys             TEXT NOT NULL,               -- surrogate keys, space-separated
    done             TEXT NOT NULL DEFAULT '',    -- targets that acknowledged, space-separated
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,            -- Unix ms
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      INTEGER NOT NULL DEFAULT 0,  -- Unix ms
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL             -- Unix ms
);
CREATE INDEX outbox_due ON outbox(next_attempt_at);
