-- One global, strictly increasing number per committed change that nodes
-- must hear about. A node compares it with the last number its listener
-- has applied to know whether its caches are current (SyncChanges).
CREATE TABLE change_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    n   BIGINT NOT NULL
);
INSERT INTO change_counter (id, n) VALUES (1, 0);
