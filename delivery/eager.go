package delivery

import (
	"context"

	"github.com/cumulusmedia/cumulus"
)

// Eager renders (or finds, when it exists) the derivative of the current
// version of a that a delivery URL with this transformation and extension
// (format; empty keeps the original's) would serve, and returns its record.
// It is the Upload API's eager transformations: the blob is keyed exactly
// as delivery keys it, so later URL requests find it, even under strict
// transformations. The API call is authenticated, so strictness does not
// apply to the render itself.
func (s *Service) Eager(ctx context.Context, env cumulus.Environment, a cumulus.Asset, transformation, format string) (cumulus.Derivative, error) {
	const op = "eager"
	if a.ResourceType != cumulus.Image {
		return cumulus.Derivative{}, cumulus.Errorf(cumulus.Invalid, op, "Transformations of %s resources are not supported", a.ResourceType)
	}
	v := a.Current
	p, err := s.makePlan(ctx, env, a, v, transformation, format, Client{})
	if err != nil {
		return cumulus.Derivative{}, err
	}
	p.strictOK = true
	resp, err := s.derive(ctx, env, a, v, p)
	if err != nil {
		return cumulus.Derivative{}, err
	}
	size := resp.Body.Size()
	resp.Body.Close()
	key := derivedKey(v.BlobKey, p.canonical, p.format)
	d := cumulus.Derivative{AssetID: a.ID, Version: v.Version, Transformation: p.canonical, Format: p.format, BlobKey: key, Bytes: size}
	// The record carries the rendered dimensions; it exists whenever the
	// blob was rendered by this server.
	if ds, err := s.store.Derivatives(ctx, a.AssetKey); err == nil {
		for _, rec := range ds {
			if rec.BlobKey == key {
				d.Width, d.Height, d.Bytes, d.CreatedAt = rec.Width, rec.Height, rec.Bytes, rec.CreatedAt
				break
			}
		}
	}
	return d, nil
}
