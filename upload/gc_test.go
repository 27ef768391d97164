package upload_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/upload"
)

func TestCollectOrphans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	blobs, _ := fsblob.Open(filepath.Join(dir, "blobs"))
	defer blobs.Close()
	store.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"})

	old := time.Now().Add(-2 * time.Hour)
	put := func(key string, mod time.Time) {
		if _, err := blobs.Put(ctx, key, strings.NewReader(key)); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(dir, "blobs", key), mod, mod)
	}
	put("originals/re/referenced", old)
	put("originals/bb/orphan", old)
	put("originals/cc/in-flight", time.Now())
	put("derived/dd/orphan", old)
	put("other/kept", old)
	put("prepared/re/referenced-512", old)
	put("prepared/or/orphan-1024", old)
	store.AddVersion(ctx, cumulus.NewVersion{Overwrite: true,
		AssetKey: cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: "x"},
		Version:  cumulus.Version{BlobKey: "originals/re/referenced"}})

	n, err := upload.CollectOrphans(ctx, store, blobs, blobs, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("collected %d blobs, want 3", n)
	}
	for key, want := range map[string]bool{
		"originals/re/referenced": true, "originals/bb/orphan": false, "originals/cc/in-flight": true,
		"derived/dd/orphan": false, "other/kept": true,
		"prepared/re/referenced-512": true, "prepared/or/orphan-1024": false,
	} {
		_, err := blobs.Stat(ctx, key)
		if got := err == nil; got != want {
			t.Errorf("%s present = %v, want %v", key, got, want)
		}
	}
}
