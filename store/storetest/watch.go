package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// runWatch checks the optional ChangeWatcher capability: every committed
// change to an asset's delivery state is reported with its key, and a
// no-op (overwrite=false on an existing asset) is not.
func runWatch(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	s := newStore(t)
	w, ok := s.(cumulus.ChangeWatcher)
	if !ok {
		t.Skip("store does not implement cumulus.ChangeWatcher")
	}
	s.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"})
	var mu sync.Mutex
	var got []string
	w.WatchChanges(func(k cumulus.AssetKey) {
		if k == (cumulus.AssetKey{}) {
			return // "drop everything" may come at any time
		}
		mu.Lock()
		got = append(got, k.PublicID)
		mu.Unlock()
	})
	key := func(id string) cumulus.AssetKey {
		return cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
	}
	now := time.Now()
	nv := cumulus.NewVersion{AssetKey: key("a"), Overwrite: true, Now: now, Version: cumulus.Version{BlobKey: "b", Format: "png"}}
	s.AddVersion(ctx, nv)
	nv.Overwrite = false
	s.AddVersion(ctx, nv) // no change
	s.RenameAsset(ctx, key("a"), key("b"), false, false, now)
	s.DeleteAsset(ctx, key("b"), false)
	s.DeleteAsset(ctx, key("missing"), false) // no change
	mu.Lock()
	defer mu.Unlock()
	want := []string{"a", "a", "b", "b"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes reported %v, want %v", got, want)
	}
}
