package storetest

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// runOutbox checks the Outbox: which changes write a purge (in the same
// transaction: a change that fails writes none), and the lease protocol
// that lets workers on several nodes share it.
func runOutbox(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	key := func(id string) cumulus.AssetKey {
		return cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
	}
	setup := func(t *testing.T) cumulus.AssetStore {
		s := newStore(t)
		if err := s.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	put := func(t *testing.T, s cumulus.AssetStore, id string, invalidate bool) cumulus.Asset {
		t.Helper()
		res, err := s.AddVersion(ctx, cumulus.NewVersion{AssetKey: key(id), Overwrite: true, Invalidate: invalidate, Now: time.Now(),
			Version: cumulus.Version{BlobKey: "b-" + id, Format: "png"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Asset
	}
	// drain claims every pending purge and returns their key sets, sorted.
	drain := func(t *testing.T, s cumulus.AssetStore) [][]string {
		t.Helper()
		tasks, err := s.ClaimPurges(ctx, "drain", 1000, time.Now().Add(time.Hour), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]string
		for _, task := range tasks {
			keys := append([]string(nil), task.Keys...)
			sort.Strings(keys)
			out = append(out, keys)
			if err := s.AckPurge(ctx, "drain", task.ID); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	sk := func(a cumulus.Asset) string { return cumulus.SurrogateKey("demo", a.ID) }

	t.Run("WhichChangesPurge", func(t *testing.T) {
		s := setup(t)
		first := put(t, s, "logo", true) // a first upload has nothing cached to purge
		if got := drain(t, s); got != nil {
			t.Fatalf("creating an asset with invalidate wrote purges %v", got)
		}
		put(t, s, "logo", false)
		if got := drain(t, s); got != nil {
			t.Fatalf("an overwrite without invalidate wrote purges %v", got)
		}
		put(t, s, "logo", true)
		if got, want := drain(t, s), [][]string{{sk(first)}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("overwrite with invalidate: purges %v, want %v", got, want)
		}
		nv := cumulus.NewVersion{AssetKey: key("logo"), Overwrite: false, Invalidate: true, Version: cumulus.Version{BlobKey: "x"}}
		if _, err := s.AddVersion(ctx, nv); err != nil {
			t.Fatal(err)
		}
		if got := drain(t, s); got != nil {
			t.Fatalf("overwrite=false (no change) wrote purges %v", got)
		}

		if _, err := s.DeleteAsset(ctx, key("logo"), true); err != nil {
			t.Fatal(err)
		}
		if got, want := drain(t, s), [][]string{{sk(first)}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("delete with invalidate: purges %v, want %v", got, want)
		}
		if _, err := s.DeleteAsset(ctx, key("logo"), true); !cumulus.IsNotFound(err) {
			t.Fatalf("second delete: %v", err)
		}
		plain := put(t, s, "plain", false)
		if _, err := s.DeleteAsset(ctx, key("plain"), false); err != nil {
			t.Fatal(err)
		}
		if got := drain(t, s); got != nil {
			t.Fatalf("delete without invalidate (or of a missing asset) wrote purges %v (asset %s)", got, plain.ID)
		}
	})

	t.Run("RenamePurgesSourceAndOverwrittenTarget", func(t *testing.T) {
		s := setup(t)
		src := put(t, s, "a", false)
		dst := put(t, s, "b", false)
		put(t, s, "c", false)
		if _, err := s.RenameAsset(ctx, key("a"), key("b"), false, true, time.Now()); cumulus.KindOf(err) != cumulus.Conflict {
			t.Fatalf("rename onto an existing id: %v, want Conflict", err)
		}
		if got := drain(t, s); got != nil {
			t.Fatalf("a refused rename wrote purges %v: the purge must share the transaction", got)
		}
		if _, err := s.RenameAsset(ctx, key("a"), key("b"), true, true, time.Now()); err != nil {
			t.Fatal(err)
		}
		want := []string{sk(src), sk(dst)}
		sort.Strings(want)
		if got := drain(t, s); !reflect.DeepEqual(got, [][]string{want}) {
			t.Fatalf("rename with overwrite and invalidate: purges %v, want %v", got, [][]string{want})
		}
		if _, err := s.RenameAsset(ctx, key("c"), key("d"), false, false, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := drain(t, s); got != nil {
			t.Fatalf("rename without invalidate wrote purges %v", got)
		}
	})

	t.Run("LeaseAckRetry", func(t *testing.T) {
		s := setup(t)
		now := time.Now()
		for _, k := range []string{"demo/1", "demo/2", "demo/3"} {
			if err := s.EnqueuePurge(ctx, []string{k, "demo"}, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.EnqueuePurge(ctx, []string{"bad key"}, now); err == nil {
			t.Fatal("a key with a space was accepted")
		}
		a, err := s.ClaimPurges(ctx, "node-a", 2, now, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 2 || a[0].Keys[0] != "demo/1" || a[1].Keys[0] != "demo/2" || a[0].Attempts != 1 || a[0].CreatedAt.IsZero() {
			t.Fatalf("node-a claimed %+v, want the two oldest, attempt 1", a)
		}
		b, _ := s.ClaimPurges(ctx, "node-b", 10, now.Add(time.Second), 10*time.Second)
		if len(b) != 1 || b[0].Keys[0] != "demo/3" {
			t.Fatalf("node-b claimed %+v while node-a's lease is live, want only demo/3", b)
		}
		if st, _ := s.OutboxStats(ctx); st.Pending != 3 || st.Failing != 0 || st.Oldest.IsZero() {
			t.Fatalf("stats = %+v, want 3 pending", st)
		}
		// node-a fails on demo/1 after one target acknowledged; it is due
		// again later, with what was done and why.
		if err := s.RetryPurge(ctx, "node-a", a[0].ID, []string{"varnish:one"}, "503 from two", now.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.OutboxStats(ctx); st.Failing != 1 {
			t.Fatalf("stats = %+v after a failure, want 1 failing", st)
		}
		if got, _ := s.ClaimPurges(ctx, "node-b", 10, now.Add(2*time.Second), 10*time.Second); len(got) != 0 {
			t.Fatalf("claimed %+v before the retry was due", got)
		}
		got, _ := s.ClaimPurges(ctx, "node-b", 10, now.Add(6*time.Second), 10*time.Second)
		if len(got) != 1 || got[0].ID != a[0].ID || got[0].Attempts != 2 || !reflect.DeepEqual(got[0].Done, []string{"varnish:one"}) || got[0].LastError != "503 from two" {
			t.Fatalf("retry claimed as %+v, want attempt 2 with done and last error", got)
		}
		// node-a dies holding demo/2: once its lease expires node-b takes
		// it, and node-a's late ack no longer removes it.
		late, _ := s.ClaimPurges(ctx, "node-b", 10, now.Add(10500*time.Millisecond), 10*time.Second)
		if len(late) != 1 || late[0].ID != a[1].ID {
			t.Fatalf("after node-a's lease expired node-b claimed %+v, want demo/2", late)
		}
		if err := s.AckPurge(ctx, "node-a", a[1].ID); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.OutboxStats(ctx); st.Pending != 3 {
			t.Fatalf("an ack by a node that lost the lease removed a purge: %+v", st)
		}
		for _, task := range append(append(got, late...), b...) {
			if err := s.AckPurge(ctx, "node-b", task.ID); err != nil {
				t.Fatal(err)
			}
		}
		if st, _ := s.OutboxStats(ctx); st.Pending != 0 || !st.Oldest.IsZero() {
			t.Fatalf("stats after acks = %+v, want empty", st)
		}
	})
}
