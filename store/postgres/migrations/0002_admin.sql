-- Admin API: insertion order for listings, structured metadata, folders
-- created explicitly, named transformations, upload presets and durable
-- rate-limit counters (store/sqlite's 0002_admin.sql).

-- seq is the insertion order SQLite keeps in rowid: listings sort and page
-- by it. A rename updates the row and so keeps its place. An identity
-- column rather than BIGSERIAL because inserting through it needs only the
-- table's INSERT privilege, not USAGE on a sequence as well.
ALTER TABLE assets ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX assets_cloud_seq ON assets(cloud, seq);
ALTER TABLE assets ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE INDEX assets_cloud_public_id ON assets(cloud, public_id);

CREATE TABLE folders (
    cloud       TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    path        TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (cloud, path)
);

CREATE TABLE named_transformations (
    cloud               TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    name                TEXT COLLATE "C" NOT NULL,
    transformation      TEXT NOT NULL,
    allowed_for_strict  BOOLEAN NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (cloud, name)
);

CREATE TABLE upload_presets (
    cloud     TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    name      TEXT COLLATE "C" NOT NULL,
    unsigned  BOOLEAN NOT NULL,
    settings  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (cloud, name)
);

CREATE TABLE admin_requests (
    cloud         TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (cloud, window_start)
);

-- instr is SQLite's name for strpos. The admin package compiles search
-- expressions into SQL both stores run, and SQLite has no strpos, so
-- PostgreSQL gets SQLite's name (1-based position, 0 when absent).
CREATE FUNCTION instr(haystack TEXT, needle TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT strpos(haystack, needle)';
