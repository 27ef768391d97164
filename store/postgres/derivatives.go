package postgres

import (
	"context"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
)

// AddDerivative implements cumulus.DerivativeStore.
func (s *Store) AddDerivative(ctx context.Context, d cumulus.Derivative) error {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO derivatives (asset_id, version, transformation, format, blob_key, bytes, width, height, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (asset_id, blob_key) DO NOTHING`,
		d.AssetID, d.Version, d.Transformation, d.Format, d.BlobKey, d.Bytes, d.Width, d.Height, d.CreatedAt.Unix())
	return cumulus.Wrap("postgres.AddDerivative", err)
}

// Derivatives implements cumulus.DerivativeStore.
func (s *Store) Derivatives(ctx context.Context, key cumulus.AssetKey) ([]cumulus.Derivative, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.asset_id, d.version, d.transformation, d.format, d.blob_key, d.bytes, d.width, d.height, d.created_at
		FROM assets a JOIN derivatives d ON d.asset_id = a.id
		WHERE a.cloud = $1 AND a.resource_type = $2 AND a.type = $3 AND a.public_id = $4
		ORDER BY d.created_at DESC, d.blob_key`, key.Cloud, string(key.ResourceType), string(key.Type), key.PublicID)
	if err != nil {
		return nil, cumulus.Wrap("postgres.Derivatives", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cumulus.Derivative, error) {
		var d cumulus.Derivative
		var created int64
		err := r.Scan(&d.AssetID, &d.Version, &d.Transformation, &d.Format, &d.BlobKey, &d.Bytes, &d.Width, &d.Height, &created)
		d.CreatedAt = time.Unix(created, 0).UTC()
		return d, err
	})
	if out == nil {
		out = []cumulus.Derivative{}
	}
	return out, cumulus.Wrap("postgres.Derivatives", err)
}
