-- Environments (a "cloud" each), assets, their versions and tags.
CREATE TABLE environments (
    cloud       TEXT PRIMARY KEY,
    api_key     TEXT NOT NULL,
    api_secret  TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);

CREATE TABLE assets (
    id             TEXT PRIMARY KEY,
    cloud          TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL,
    type           TEXT NOT NULL,
    public_id      TEXT NOT NULL,
    version        INTEGER NOT NULL,
    context        TEXT NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (cloud, resource_type, type, public_id)
);

CREATE TABLE versions (
    asset_id           TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    version            INTEGER NOT NULL,
    version_id         TEXT NOT NULL,
    blob_key           TEXT NOT NULL,
    bytes              INTEGER NOT NULL,
    format             TEXT NOT NULL,
    width              INTEGER NOT NULL,
    height             INTEGER NOT NULL,
    pages              INTEGER NOT NULL,
    etag               TEXT NOT NULL,
    original_filename  TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    PRIMARY KEY (asset_id, version)
);
CREATE INDEX versions_blob_key ON versions(blob_key);

CREATE TABLE tags (
    asset_id  TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (asset_id, tag)
);
CREATE INDEX tags_tag ON tags(tag);
