-- Outbox: CDN purges written in the same transaction as the change that
-- needs them, carried out by workers on any node (store/sqlite's
-- 0004_outbox.sql). A task is leased to one owner until lease_until (Unix
-- ms); a dead owner's lease simply expires. Claims lock their rows with
-- FOR UPDATE SKIP LOCKED, so workers on several nodes never wait for each
-- other nor claim one task twice.
CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    keys             TEXT[] NOT NULL,            -- surrogate keys, in the order given
    done             TEXT[] NOT NULL DEFAULT '{}', -- targets that acknowledged
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,            -- Unix ms
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      BIGINT NOT NULL DEFAULT 0,  -- Unix ms
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL             -- Unix ms
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id);
