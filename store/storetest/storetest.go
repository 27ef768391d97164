// Package storetest is the conformance suite every cumulus.AssetStore must
// pass. A backend's test calls Run with a constructor for an empty store.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// Run runs the suite. newStore must return an empty store each call.
func Run(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

	setup := func(t *testing.T) cumulus.AssetStore {
		s := newStore(t)
		if err := s.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	key := func(id string) cumulus.AssetKey {
		return cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
	}
	add := func(t *testing.T, s cumulus.AssetStore, nv cumulus.NewVersion) cumulus.AddResult {
		t.Helper()
		res, err := s.AddVersion(ctx, nv)
		if err != nil {
			t.Fatalf("AddVersion(%s): %v", nv.PublicID, err)
		}
		return res
	}
	upload := func(id, blob string, now time.Time) cumulus.NewVersion {
		return cumulus.NewVersion{AssetKey: key(id), Overwrite: true, Now: now,
			Version: cumulus.Version{BlobKey: blob, Bytes: 10, Format: "jpg", Width: 4, Height: 3, ETag: "e-" + blob}}
	}

	t.Run("Admin", func(t *testing.T) { runAdmin(t, newStore) })

	t.Run("Environments", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Environment(ctx, "demo"); !cumulus.IsNotFound(err) {
			t.Fatalf("unknown environment: %v, want NotFound", err)
		}
		env := cumulus.Environment{Cloud: "demo", APIKey: "k1", APISecret: "s1", CreatedAt: t0,
			Settings: cumulus.Settings{StrictTransformations: true, CNAMEs: []string{"img.example.com"}}}
		if err := s.PutEnvironment(ctx, env); err != nil {
			t.Fatal(err)
		}
		env.APISecret = "s2"
		if err := s.PutEnvironment(ctx, env); err != nil {
			t.Fatal(err)
		}
		got, err := s.Environment(ctx, "demo")
		if err != nil {
			t.Fatal(err)
		}
		if got.APISecret != "s2" || !got.Settings.StrictTransformations || !reflect.DeepEqual(got.Settings.CNAMEs, env.Settings.CNAMEs) || !got.CreatedAt.Equal(t0) {
			t.Fatalf("Environment = %+v, want the updated %+v", got, env)
		}
		s.PutEnvironment(ctx, cumulus.Environment{Cloud: "other", APIKey: "k", APISecret: "s"})
		all, err := s.Environments(ctx)
		if err != nil || len(all) != 2 {
			t.Fatalf("Environments = %d, %v; want 2", len(all), err)
		}
	})

	t.Run("FirstUploadCreates", func(t *testing.T) {
		s := setup(t)
		nv := upload("shop/shoe", "b1", t0)
		nv.Tags = []string{"red", "sale"}
		nv.Context = map[string]string{"alt": "A shoe"}
		res := add(t, s, nv)
		if !res.Created || res.Overwritten || res.Existing {
			t.Fatalf("flags = %+v, want Created only", res)
		}
		a := res.Asset
		if a.Current.Version != t0.Unix() || len(a.ID) != 32 || len(a.Current.VersionID) != 32 {
			t.Fatalf("asset = %+v, want version %d and 32-hex ids", a, t0.Unix())
		}
		got, err := s.Asset(ctx, key("shop/shoe"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Tags, []string{"red", "sale"}) || got.Context["alt"] != "A shoe" || got.Current.BlobKey != "b1" || got.Current.Width != 4 {
			t.Fatalf("Asset = %+v", got)
		}
	})

	t.Run("OverwriteAddsStrictlyGreaterVersion", func(t *testing.T) {
		s := setup(t)
		first := add(t, s, upload("logo", "b1", t0)).Asset
		// Same second, and even a clock that went back: still strictly greater.
		second := add(t, s, upload("logo", "b2", t0)).Asset
		third := add(t, s, upload("logo", "b3", t0.Add(-time.Hour))).Asset
		later := add(t, s, upload("logo", "b4", t0.Add(time.Hour)))
		if !(first.Current.Version < second.Current.Version && second.Current.Version < third.Current.Version) {
			t.Fatalf("versions %d, %d, %d are not strictly increasing", first.Current.Version, second.Current.Version, third.Current.Version)
		}
		if !later.Overwritten || later.Asset.Current.Version != t0.Add(time.Hour).Unix() {
			t.Fatalf("a later upload got version %d, want its time %d", later.Asset.Current.Version, t0.Add(time.Hour).Unix())
		}
		if later.Asset.ID != first.ID {
			t.Fatal("the asset id changed on overwrite")
		}
		vs, err := s.Versions(ctx, key("logo"))
		if err != nil {
			t.Fatal(err)
		}
		var blobs []string
		for _, v := range vs {
			blobs = append(blobs, v.BlobKey)
		}
		if !reflect.DeepEqual(blobs, []string{"b1", "b2", "b3", "b4"}) {
			t.Fatalf("history = %v, want every version oldest first", blobs)
		}
	})

	t.Run("OverwriteFalseKeepsAsset", func(t *testing.T) {
		s := setup(t)
		first := add(t, s, upload("keep", "b1", t0)).Asset
		nv := upload("keep", "b2", t0.Add(time.Minute))
		nv.Overwrite = false
		res := add(t, s, nv)
		if !res.Existing || res.Asset.Current.BlobKey != "b1" || res.Asset.Current.Version != first.Current.Version {
			t.Fatalf("overwrite=false: %+v, want the existing asset unchanged", res)
		}
		if vs, _ := s.Versions(ctx, key("keep")); len(vs) != 1 {
			t.Fatalf("overwrite=false added a version: %d versions", len(vs))
		}
	})

	t.Run("OverwriteKeepsTagsUnlessGiven", func(t *testing.T) {
		s := setup(t)
		nv := upload("t", "b1", t0)
		nv.Tags, nv.Context = []string{"a"}, map[string]string{"k": "v"}
		add(t, s, nv)
		a := add(t, s, upload("t", "b2", t0)).Asset
		if !reflect.DeepEqual(a.Tags, []string{"a"}) || a.Context["k"] != "v" {
			t.Fatalf("overwrite without tags lost them: %+v", a)
		}
		nv = upload("t", "b3", t0)
		nv.Tags = []string{"b"}
		if a := add(t, s, nv).Asset; !reflect.DeepEqual(a.Tags, []string{"b"}) {
			t.Fatalf("overwrite with tags: %v, want [b]", a.Tags)
		}
	})

	t.Run("KeysAreDistinctByTypeAndResourceType", func(t *testing.T) {
		s := setup(t)
		add(t, s, upload("same", "img", t0))
		nv := upload("same", "priv", t0)
		nv.Type = cumulus.Private
		add(t, s, nv)
		nv = upload("same", "raw", t0)
		nv.ResourceType = cumulus.Raw
		add(t, s, nv)
		for _, c := range []struct {
			rt   cumulus.ResourceType
			typ  cumulus.DeliveryType
			blob string
		}{{cumulus.Image, cumulus.Upload, "img"}, {cumulus.Image, cumulus.Private, "priv"}, {cumulus.Raw, cumulus.Upload, "raw"}} {
			a, err := s.Asset(ctx, cumulus.AssetKey{Cloud: "demo", ResourceType: c.rt, Type: c.typ, PublicID: "same"})
			if err != nil || a.Current.BlobKey != c.blob {
				t.Errorf("%s/%s: %v %v, want blob %s", c.rt, c.typ, a.Current.BlobKey, err, c.blob)
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := setup(t)
		add(t, s, upload("gone", "b1", t0))
		add(t, s, upload("gone", "b2", t0))
		a, err := s.DeleteAsset(ctx, key("gone"), false)
		if err != nil || a.Current.BlobKey != "b2" {
			t.Fatalf("DeleteAsset = %+v, %v", a, err)
		}
		if _, err := s.Asset(ctx, key("gone")); !cumulus.IsNotFound(err) {
			t.Fatalf("Asset after delete: %v, want NotFound", err)
		}
		if _, err := s.DeleteAsset(ctx, key("gone"), false); !cumulus.IsNotFound(err) {
			t.Fatalf("second delete: %v, want NotFound", err)
		}
		for _, b := range []string{"b1", "b2"} {
			if ref, err := s.BlobReferenced(ctx, b); err != nil || ref {
				t.Fatalf("BlobReferenced(%s) = %v, %v after delete", b, ref, err)
			}
		}
	})

	t.Run("Rename", func(t *testing.T) {
		s := setup(t)
		orig := add(t, s, upload("old", "b1", t0)).Asset
		add(t, s, upload("taken", "b2", t0))
		to := key("new/name")
		to.Type = cumulus.Private
		a, err := s.RenameAsset(ctx, key("old"), to, false, false, t0)
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != orig.ID || a.PublicID != "new/name" || a.Type != cumulus.Private || a.Current.BlobKey != "b1" {
			t.Fatalf("renamed = %+v", a)
		}
		if _, err := s.Asset(ctx, key("old")); !cumulus.IsNotFound(err) {
			t.Fatalf("old id still there: %v", err)
		}
		if _, err := s.RenameAsset(ctx, to, key("taken"), false, false, t0); cumulus.KindOf(err) != cumulus.Conflict {
			t.Fatalf("rename onto an existing id: %v, want Conflict", err)
		}
		if a, err := s.RenameAsset(ctx, to, key("taken"), true, false, t0); err != nil || a.Current.BlobKey != "b1" {
			t.Fatalf("rename with overwrite: %+v, %v", a, err)
		}
		if _, err := s.RenameAsset(ctx, key("missing"), key("x"), false, false, t0); !cumulus.IsNotFound(err) {
			t.Fatalf("rename of a missing id: %v, want NotFound", err)
		}
	})

	t.Run("Tags", func(t *testing.T) {
		s := setup(t)
		add(t, s, upload("a", "b1", t0))
		add(t, s, upload("b", "b2", t0))
		keys := []cumulus.AssetKey{key("a"), key("b"), key("missing")}
		steps := []struct {
			cmd  cumulus.TagCommand
			tags []string
			want []string
		}{
			{cumulus.TagAdd, []string{"x", "y"}, []string{"x", "y"}},
			{cumulus.TagAdd, []string{"y", "z"}, []string{"x", "y", "z"}},
			{cumulus.TagRemove, []string{"x", "nope"}, []string{"y", "z"}},
			{cumulus.TagReplace, []string{"only"}, []string{"only"}},
			{cumulus.TagRemoveAll, nil, []string{}},
		}
		for _, st := range steps {
			found, err := s.UpdateTags(ctx, keys, st.cmd, st.tags, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(found, []string{"a", "b"}) {
				t.Fatalf("%s: found %v, want [a b]", st.cmd, found)
			}
			for _, id := range []string{"a", "b"} {
				a, _ := s.Asset(ctx, key(id))
				if !reflect.DeepEqual(a.Tags, st.want) {
					t.Fatalf("after %s %v: %s has %v, want %v", st.cmd, st.tags, id, a.Tags, st.want)
				}
			}
		}
	})

	t.Run("WatchChanges", func(t *testing.T) { runWatch(t, newStore) })
	t.Run("Derivatives", func(t *testing.T) { runDerivatives(t, newStore) })
	t.Run("Outbox", func(t *testing.T) { runOutbox(t, newStore) })
	t.Run("Jobs", func(t *testing.T) { runJobs(t, newStore) })

	t.Run("ConcurrentUploadsKeepEveryVersion", func(t *testing.T) {
		s := setup(t)
		const writers, each = 8, 6
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if _, err := s.AddVersion(ctx, upload("hot", fmt.Sprintf("w%d-%d", w, i), t0)); err != nil {
						t.Error(err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		vs, err := s.Versions(ctx, key("hot"))
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != writers*each {
			t.Fatalf("%d versions kept, want %d", len(vs), writers*each)
		}
		nums := make([]int64, len(vs))
		for i, v := range vs {
			nums[i] = v.Version
		}
		if !sort.SliceIsSorted(nums, func(i, j int) bool { return nums[i] < nums[j] }) {
			t.Fatal("versions not sorted")
		}
		for i := 1; i < len(nums); i++ {
			if nums[i] <= nums[i-1] {
				t.Fatalf("versions not strictly increasing: %v", nums)
			}
		}
	})
}
