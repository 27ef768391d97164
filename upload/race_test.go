package upload_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/upload"
)

// collectingStore is the real SQLite store with the orphan collector
// striking at the worst moment: right before the upload's commit, it
// deletes the blob the upload has just written.
type collectingStore struct {
	*sqlite.Store
	blobs cumulus.BlobStore
}

func (c collectingStore) AddVersion(ctx context.Context, nv cumulus.NewVersion) (cumulus.AddResult, error) {
	c.blobs.Delete(ctx, nv.Version.BlobKey)
	return c.Store.AddVersion(ctx, nv)
}

func TestUploadSurvivesCollectorBetweenPutAndCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs, _ := fsblob.Open(filepath.Join(dir, "blobs"))
	defer blobs.Close()
	env := cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}
	st.PutEnvironment(ctx, env)
	cfg := upload.DefaultConfig()
	cfg.TempDir = t.TempDir()
	svc, err := upload.New(collectingStore{st, blobs}, blobs, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	sp, _ := upload.NewSpool(cfg.TempDir, 1<<20)
	defer sp.Close()
	sp.ReadFrom(bytes.NewReader(img.Bytes()))
	p := url.Values{"public_id": {"x"}, "timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}}
	p.Set("signature", signing.SignParams(p, "s", "sha1", 2))
	p.Set("api_key", "k")
	if _, err := svc.Upload(ctx, upload.Request{Env: env, ResourceType: cumulus.Image, Params: upload.Params(p), File: sp}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Asset(ctx, cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blobs.Stat(ctx, a.Current.BlobKey); err != nil {
		t.Fatalf("the committed version has no bytes: %v", err)
	}
}
