package sqlite

import (
	"context"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// AddDerivative implements cumulus.DerivativeStore.
func (s *Store) AddDerivative(ctx context.Context, d cumulus.Derivative) error {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now()
	}
	_, err := s.cacheDB.ExecContext(ctx, `INSERT INTO derivatives (asset_id, version, transformation, format, blob_key, bytes, width, height, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (asset_id, blob_key) DO NOTHING`,
		d.AssetID, d.Version, d.Transformation, d.Format, d.BlobKey, d.Bytes, d.Width, d.Height, d.CreatedAt.Unix())
	return cumulus.Wrap("sqlite.AddDerivative", err)
}

// Derivatives implements cumulus.DerivativeStore.
func (s *Store) Derivatives(ctx context.Context, key cumulus.AssetKey) ([]cumulus.Derivative, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.asset_id, d.version, d.transformation, d.format, d.blob_key, d.bytes, d.width, d.height, d.created_at
		FROM assets a JOIN derivatives d ON d.asset_id = a.id
		WHERE a.cloud = ? AND a.resource_type = ? AND a.type = ? AND a.public_id = ?
		ORDER BY d.created_at DESC, d.blob_key`, key.Cloud, key.ResourceType, key.Type, key.PublicID)
	if err != nil {
		return nil, cumulus.Wrap("sqlite.Derivatives", err)
	}
	defer rows.Close()
	out := []cumulus.Derivative{}
	for rows.Next() {
		var d cumulus.Derivative
		var created int64
		if err := rows.Scan(&d.AssetID, &d.Version, &d.Transformation, &d.Format, &d.BlobKey, &d.Bytes, &d.Width, &d.Height, &created); err != nil {
			return nil, cumulus.Wrap("sqlite.Derivatives", err)
		}
		d.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, d)
	}
	return out, cumulus.Wrap("sqlite.Derivatives", rows.Err())
}
