package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

func runDerivatives(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	s := newStore(t)
	s.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"})
	key := cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: "d"}
	res, err := s.AddVersion(ctx, cumulus.NewVersion{AssetKey: key, Overwrite: true, Version: cumulus.Version{BlobKey: "o1", Format: "jpg"}})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Asset
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d1 := cumulus.Derivative{AssetID: a.ID, Version: a.Current.Version, Transformation: "c_fill,h_200,w_300", Format: "jpg", BlobKey: "derived/x1", Bytes: 10, Width: 300, Height: 200, CreatedAt: t0}
	d2 := d1
	d2.Transformation, d2.Format, d2.BlobKey, d2.CreatedAt = "w_100", "webp", "derived/x2", t0.Add(time.Second)
	for _, d := range []cumulus.Derivative{d1, d2, d1} { // the repeat is not an error
		if err := s.AddDerivative(ctx, d); err != nil {
			t.Fatalf("AddDerivative(%s): %v", d.BlobKey, err)
		}
	}
	ds, err := s.Derivatives(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].BlobKey != "derived/x2" || ds[1].Transformation != "c_fill,h_200,w_300" || ds[1].Width != 300 {
		t.Fatalf("Derivatives = %+v, want x2 then x1", ds)
	}
	if ref, _ := s.BlobReferenced(ctx, "derived/x1"); !ref {
		t.Fatal("a recorded derivative's blob is not referenced")
	}
	if _, err := s.DeleteAsset(ctx, key, false); err != nil {
		t.Fatal(err)
	}
	if ref, _ := s.BlobReferenced(ctx, "derived/x1"); ref {
		t.Fatal("a deleted asset's derivative blob is still referenced")
	}
}
