package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// runAdmin is the part of the suite for cumulus.AdminStore.
func runAdmin(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) cumulus.AssetStore {
		s := newStore(t)
		for _, c := range []string{"demo", "other"} {
			if err := s.PutEnvironment(ctx, cumulus.Environment{Cloud: c, APIKey: "k", APISecret: "s"}); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	key := func(id string) cumulus.AssetKey {
		return cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
	}
	put := func(t *testing.T, s cumulus.AssetStore, k cumulus.AssetKey, blob string, bytes int64, now time.Time, tags []string, ctxm map[string]string) cumulus.Asset {
		t.Helper()
		res, err := s.AddVersion(ctx, cumulus.NewVersion{AssetKey: k, Overwrite: true, Now: now, Tags: tags, Context: ctxm,
			Version: cumulus.Version{BlobKey: blob, Bytes: bytes, Format: "jpg", Width: int(bytes), Height: 3, ETag: "e"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Asset
	}
	ids := func(p cumulus.AssetPage) []string {
		out := []string{}
		for _, a := range p.Assets {
			out = append(out, a.PublicID)
		}
		return out
	}

	t.Run("ListFilters", func(t *testing.T) {
		s := setup(t)
		put(t, s, key("shop/a"), "b1", 10, t0, []string{"red"}, map[string]string{"alt": "A", "k": "v"})
		put(t, s, key("shop/b"), "b2", 20, t0.Add(time.Second), []string{"red", "blue"}, nil)
		put(t, s, key("home"), "b3", 30, t0.Add(2*time.Second), nil, map[string]string{"alt": "B"})
		raw := key("shop/raw.bin")
		raw.ResourceType = cumulus.Raw
		put(t, s, raw, "b4", 40, t0, nil, nil)
		other := key("shop/a")
		other.Cloud = "other"
		put(t, s, other, "b5", 50, t0, []string{"red"}, nil)
		cases := []struct {
			name string
			q    cumulus.AssetQuery
			want []string
		}{
			{"all images in order", cumulus.AssetQuery{ResourceType: cumulus.Image}, []string{"shop/a", "shop/b", "home"}},
			{"every type, newest first", cumulus.AssetQuery{Desc: true}, []string{"shop/raw.bin", "home", "shop/b", "shop/a"}},
			{"prefix", cumulus.AssetQuery{Prefix: "shop/", ResourceType: cumulus.Image}, []string{"shop/a", "shop/b"}},
			{"prefix is case-sensitive", cumulus.AssetQuery{Prefix: "SHOP/"}, []string{}},
			{"public ids", cumulus.AssetQuery{PublicIDs: []string{"home", "nope", "shop/b"}}, []string{"shop/b", "home"}},
			{"tag", cumulus.AssetQuery{Tag: "red"}, []string{"shop/a", "shop/b"}},
			{"context key", cumulus.AssetQuery{ContextKey: "alt"}, []string{"shop/a", "home"}},
			{"context key and value", cumulus.AssetQuery{ContextKey: "alt", ContextValue: "B", HasContextValue: true}, []string{"home"}},
			{"context value is exact", cumulus.AssetQuery{ContextKey: "alt", ContextValue: "b", HasContextValue: true}, []string{}},
			{"filter", cumulus.AssetQuery{Filter: &cumulus.Filter{Where: "v.bytes >= ?", Args: []any{20}}}, []string{"shop/b", "home", "shop/raw.bin"}},
			{"sort by bytes desc", cumulus.AssetQuery{Sort: cumulus.SortBytes, Desc: true, ResourceType: cumulus.Image}, []string{"home", "shop/b", "shop/a"}},
			{"sort by public id", cumulus.AssetQuery{Sort: cumulus.SortPublicID}, []string{"home", "shop/a", "shop/b", "shop/raw.bin"}},
		}
		for _, c := range cases {
			c.q.Cloud = "demo"
			p, err := s.ListAssets(ctx, c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := ids(p); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		p, _ := s.ListAssets(ctx, cumulus.AssetQuery{Cloud: "demo", PublicIDs: []string{"shop/a"}})
		if len(p.Assets) != 1 || p.Assets[0].Context["alt"] != "A" || !reflect.DeepEqual(p.Assets[0].Tags, []string{"red"}) {
			t.Fatalf("listed asset = %+v, want its tags and context", p.Assets)
		}
		by, err := s.CountAssetsBy(ctx, cumulus.AssetQuery{Cloud: "demo"}, "resource_type")
		if err != nil || by["image"] != 3 || by["raw"] != 1 {
			t.Fatalf("CountAssetsBy = %v, %v", by, err)
		}
	})

	t.Run("PagingIsStableUnderConcurrentInserts", func(t *testing.T) {
		s := setup(t)
		const n = 2500
		before := map[string]bool{}
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("p/%05d", i)
			put(t, s, key(id), "b", 1, t0, nil, nil)
			before[id] = true
		}
		for _, sortBy := range []cumulus.SortField{cumulus.SortInserted, cumulus.SortCreatedAt, cumulus.SortPublicID} {
			for _, desc := range []bool{false, true} {
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						put(t, s, key(fmt.Sprintf("p/new-%s-%v-%d", sortBy, desc, i)), "b", 1, t0, nil, nil)
					}
				}()
				seen := map[string]bool{}
				after := ""
				for pages := 0; ; pages++ {
					p, err := s.ListAssets(ctx, cumulus.AssetQuery{Cloud: "demo", Prefix: "p/", Sort: sortBy, Desc: desc, Limit: 500, After: after})
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range p.Assets {
						if seen[a.PublicID] {
							t.Fatalf("sort %q desc=%v: %s listed twice", sortBy, desc, a.PublicID)
						}
						seen[a.PublicID] = true
					}
					if p.Next == "" || pages > 100 {
						break
					}
					after = p.Next
				}
				close(stop)
				wg.Wait()
				for id := range before {
					if !seen[id] {
						t.Fatalf("sort %q desc=%v: %s was missed", sortBy, desc, id)
					}
				}
			}
		}
		if _, err := s.ListAssets(ctx, cumulus.AssetQuery{Cloud: "demo", After: "%%%"}); cumulus.KindOf(err) != cumulus.Invalid {
			t.Fatalf("bad cursor: %v, want Invalid", err)
		}
	})

	t.Run("UpdateAndDelete", func(t *testing.T) {
		s := setup(t)
		a := put(t, s, key("u"), "b1", 1, t0, []string{"x"}, map[string]string{"a": "1"})
		la, err := s.UpdateAsset(ctx, key("u"), cumulus.AssetUpdate{Tags: []string{"y", "z"}, Metadata: map[string]string{"sku": "42"}}, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(la.Tags, []string{"y", "z"}) || la.Context["a"] != "1" || la.Metadata["sku"] != "42" || !la.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("updated = %+v", la)
		}
		if _, err := s.UpdateAsset(ctx, key("missing"), cumulus.AssetUpdate{}, t0); !cumulus.IsNotFound(err) {
			t.Fatalf("update of a missing asset: %v", err)
		}
		gone, err := s.DeleteAssets(ctx, "demo", []string{a.ID, "nope"})
		if err != nil || len(gone) != 1 || gone[0].PublicID != "u" {
			t.Fatalf("DeleteAssets = %v, %v", gone, err)
		}
		other := key("o")
		other.Cloud = "other"
		oa := put(t, s, other, "b", 1, t0, nil, nil)
		if gone, _ := s.DeleteAssets(ctx, "demo", []string{oa.ID}); len(gone) != 0 {
			t.Fatal("DeleteAssets removed another environment's asset")
		}
	})

	t.Run("RestoreMakesANewVersion", func(t *testing.T) {
		s := setup(t)
		first := put(t, s, key("r"), "b1", 1, t0, nil, nil)
		second := put(t, s, key("r"), "b2", 2, t0.Add(time.Minute), nil, nil)
		a, err := s.RestoreVersion(ctx, key("r"), first.Current.VersionID, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if a.Current.BlobKey != "b1" || a.Current.Version <= second.Current.Version || a.Current.VersionID == first.Current.VersionID {
			t.Fatalf("restored = %+v, want b1 as a new version above %d", a.Current, second.Current.Version)
		}
		if vs, _ := s.Versions(ctx, key("r")); len(vs) != 3 {
			t.Fatalf("%d versions after restore, want 3", len(vs))
		}
		if _, err := s.RestoreVersion(ctx, key("r"), "nope", t0); !cumulus.IsNotFound(err) {
			t.Fatalf("unknown version: %v", err)
		}
	})

	t.Run("TagsAndFolders", func(t *testing.T) {
		s := setup(t)
		put(t, s, key("a/b/c"), "b", 1, t0, []string{"t1", "t2"}, nil)
		put(t, s, key("a/d"), "b", 1, t0, []string{"t2", "u"}, nil)
		put(t, s, key("top"), "b", 1, t0, nil, nil)
		tags, err := s.Tags(ctx, "demo", cumulus.Image, "t", "", 10)
		if err != nil || !reflect.DeepEqual(tags, []string{"t1", "t2"}) {
			t.Fatalf("Tags = %v, %v", tags, err)
		}
		if tags, _ := s.Tags(ctx, "demo", cumulus.Image, "", "t1", 10); !reflect.DeepEqual(tags, []string{"t2", "u"}) {
			t.Fatalf("Tags after t1 = %v", tags)
		}
		if err := s.CreateFolder(ctx, "demo", "x/y", t0); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			parent string
			want   []string
		}{{"", []string{"a", "x"}}, {"a", []string{"b"}}, {"x", []string{"y"}}, {"a/b", []string{}}} {
			got, err := s.Folders(ctx, "demo", c.parent)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("Folders(%q) = %v, %v; want %v", c.parent, got, err, c.want)
			}
		}
		if _, err := s.Folders(ctx, "demo", "nope"); !cumulus.IsNotFound(err) {
			t.Fatalf("missing folder: %v", err)
		}
		if err := s.DeleteFolder(ctx, "demo", "a"); cumulus.KindOf(err) != cumulus.Conflict {
			t.Fatalf("delete non-empty: %v, want Conflict", err)
		}
		if err := s.DeleteFolder(ctx, "demo", "x"); cumulus.KindOf(err) != cumulus.Conflict {
			t.Fatalf("delete folder with a sub-folder: %v, want Conflict", err)
		}
		if err := s.DeleteFolder(ctx, "demo", "x/y"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteFolder(ctx, "demo", "x/y"); !cumulus.IsNotFound(err) {
			t.Fatalf("second delete: %v", err)
		}
	})

	t.Run("TransformationsAndPresets", func(t *testing.T) {
		s := setup(t)
		nt := cumulus.NamedTransformation{Name: "thumb", Transformation: "c_fill,w_100", AllowedForStrict: true, CreatedAt: t0, UpdatedAt: t0}
		if err := s.PutTransformation(ctx, "demo", nt, false); err != nil {
			t.Fatal(err)
		}
		if err := s.PutTransformation(ctx, "demo", nt, false); cumulus.KindOf(err) != cumulus.Conflict {
			t.Fatalf("duplicate: %v", err)
		}
		nt.Transformation, nt.AllowedForStrict = "c_fit,w_50", false
		if err := s.PutTransformation(ctx, "demo", nt, true); err != nil {
			t.Fatal(err)
		}
		def, strict, err := s.NamedTransformation(ctx, "demo", "thumb")
		if err != nil || def != "c_fit,w_50" || strict {
			t.Fatalf("NamedTransformation = %q %v %v", def, strict, err)
		}
		if _, _, err := s.NamedTransformation(ctx, "other", "thumb"); !cumulus.IsNotFound(err) {
			t.Fatalf("other environment sees the transformation: %v", err)
		}
		if list, _ := s.Transformations(ctx, "demo", "", 10); len(list) != 1 {
			t.Fatalf("Transformations = %v", list)
		}
		if err := s.DeleteTransformation(ctx, "demo", "thumb"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTransformation(ctx, "demo", "thumb"); !cumulus.IsNotFound(err) {
			t.Fatalf("second delete: %v", err)
		}
		p := cumulus.UploadPreset{Name: "web", Unsigned: true, Settings: map[string]string{"folder": "inbox"}}
		if err := s.PutUploadPreset(ctx, "demo", p, false); err != nil {
			t.Fatal(err)
		}
		got, err := s.UploadPreset(ctx, "demo", "web")
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("UploadPreset = %+v, %v", got, err)
		}
		if err := s.PutUploadPreset(ctx, "demo", cumulus.UploadPreset{Name: "nope"}, true); !cumulus.IsNotFound(err) {
			t.Fatalf("update of a missing preset: %v", err)
		}
		if list, _ := s.UploadPresets(ctx, "demo", "", 10); len(list) != 1 {
			t.Fatalf("UploadPresets = %v", list)
		}
		if err := s.DeleteUploadPreset(ctx, "demo", "web"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UploadPreset(ctx, "demo", "web"); !cumulus.IsNotFound(err) {
			t.Fatalf("deleted preset: %v", err)
		}
	})

	t.Run("RequestCountersAndUsage", func(t *testing.T) {
		s := setup(t)
		for i := int64(1); i <= 3; i++ {
			if n, err := s.CountRequest(ctx, "demo", t0); err != nil || n != i {
				t.Fatalf("CountRequest #%d = %d, %v", i, n, err)
			}
		}
		if n, _ := s.CountRequest(ctx, "other", t0); n != 1 {
			t.Fatalf("other environment's counter = %d, want 1", n)
		}
		if n, _ := s.CountRequest(ctx, "demo", t0.Add(time.Hour)); n != 1 {
			t.Fatalf("next window's counter = %d, want 1", n)
		}
		put(t, s, key("a"), "b", 10, t0, nil, nil)
		put(t, s, key("a"), "b", 20, t0, nil, nil)
		u, err := s.Usage(ctx, "demo")
		if err != nil || u.Resources != 1 || u.Versions != 2 || u.StorageBytes != 30 {
			t.Fatalf("Usage = %+v, %v", u, err)
		}
	})
}
