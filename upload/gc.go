package upload

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// KeyLister is the optional BlobStore capability the collector needs.
type KeyLister interface {
	Keys(ctx context.Context, fn func(key string, mod time.Time) error) error
}

// CollectOrphans deletes original, derived and prepared (proxy) blobs that no version references and
// that are older than grace. The grace period protects an upload whose
// bytes are written but whose metadata is not committed yet: every upload
// rewrites its blob, so a fresh modification time means "in flight".
// It returns how many blobs it deleted.
func CollectOrphans(ctx context.Context, store cumulus.AssetStore, blobs cumulus.BlobStore, lister KeyLister, grace time.Duration, now time.Time) (int, error) {
	n := 0
	err := lister.Keys(ctx, func(key string, mod time.Time) error {
		if now.Sub(mod) < grace {
			return nil
		}
		ref, err := false, error(nil)
		switch {
		case strings.HasPrefix(key, "originals/"), strings.HasPrefix(key, "derived/"):
			ref, err = store.BlobReferenced(ctx, key)
		case strings.HasPrefix(key, "prepared/"):
			// prepared/ab/<sha256>-<size> lives as long as its original.
			sum, _, _ := strings.Cut(path.Base(key), "-")
			ref, err = store.BlobReferenced(ctx, "originals/"+sum[:min(2, len(sum))]+"/"+sum)
		default:
			return nil
		}
		if err != nil || ref {
			return err
		}
		if err := blobs.Delete(ctx, key); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}
