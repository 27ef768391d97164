-- Environments (a "cloud" each), assets, their versions and tags: the
-- schema of store/sqlite's 0001_init.sql in PostgreSQL's types. Times are
-- Unix seconds, as there, so both stores round-trip the same values.
-- context is TEXT holding encoding/json's output, not JSONB, because
-- searches match it textually (see cumulus.AssetQuery.Filter). Public IDs
-- and tags collate as "C" (bytes), so sorting and keyset paging order them
-- as SQLite does whatever the database's locale.
CREATE TABLE environments (
    cloud       TEXT PRIMARY KEY,
    api_key     TEXT NOT NULL,
    api_secret  TEXT NOT NULL,
    settings    JSONB NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);

CREATE TABLE assets (
    id             TEXT PRIMARY KEY,
    cloud          TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL,
    type           TEXT NOT NULL,
    public_id      TEXT COLLATE "C" NOT NULL,
    version        BIGINT NOT NULL,
    context        TEXT NOT NULL DEFAULT '{}',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (cloud, resource_type, type, public_id)
);

CREATE TABLE versions (
    asset_id           TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    version            BIGINT NOT NULL,
    version_id         TEXT NOT NULL,
    blob_key           TEXT NOT NULL,
    bytes              BIGINT NOT NULL,
    format             TEXT NOT NULL,
    width              INTEGER NOT NULL,
    height             INTEGER NOT NULL,
    pages              INTEGER NOT NULL,
    etag               TEXT NOT NULL,
    original_filename  TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (asset_id, version)
);
CREATE INDEX versions_blob_key ON versions(blob_key);

CREATE TABLE tags (
    asset_id  TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    tag       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (asset_id, tag)
);
CREATE INDEX tags_tag ON tags(tag);
