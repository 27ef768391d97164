-- Admin API: structured metadata, folders created explicitly, named
-- transformations, upload presets and durable rate-limit counters.
ALTER TABLE assets ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE INDEX assets_cloud_public_id ON assets(cloud, public_id);

CREATE TABLE folders (
    cloud       TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (cloud, path)
);

CREATE TABLE named_transformations (
    cloud               TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    transformation      TEXT NOT NULL,
    allowed_for_strict  INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (cloud, name)
);

CREATE TABLE upload_presets (
    cloud     TEXT NOT NULL REFERENCES environments(cloud) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    unsigned  INTEGER NOT NULL,
    settings  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (cloud, name)
);

CREATE TABLE admin_requests (
    cloud         TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (cloud, window_start)
);
