-- Derivatives: renditions of a version, recorded for invalidation and the
-- Admin API (store/sqlite's 0003_derivatives.sql).
CREATE TABLE derivatives (
    asset_id        TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    version         BIGINT NOT NULL,
    transformation  TEXT NOT NULL,
    format          TEXT NOT NULL,
    blob_key        TEXT COLLATE "C" NOT NULL,
    bytes           BIGINT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (asset_id, blob_key)
);
CREATE INDEX derivatives_blob_key ON derivatives(blob_key);
