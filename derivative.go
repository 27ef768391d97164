package cumulus

import (
	"context"
	"time"
)

// Derivative is a rendition of one version of an asset. It is a cache
// entry: it can always be rebuilt from the original, and is recorded so
// that invalidation and the Admin API can find it.
type Derivative struct {
	AssetID        string
	Version        int64
	Transformation string // canonical form
	Format         string
	BlobKey        string
	Bytes          int64
	Width, Height  int
	CreatedAt      time.Time
}

// DerivativeStore records derivatives. It is part of AssetStore.
type DerivativeStore interface {
	// AddDerivative records d; recording the same BlobKey for the same
	// asset again is not an error.
	AddDerivative(ctx context.Context, d Derivative) error
	// Derivatives lists the derivatives of every version of an asset,
	// newest first.
	Derivatives(ctx context.Context, key AssetKey) ([]Derivative, error)
}
