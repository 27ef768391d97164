package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/store/postgres"
)

// recorder collects the keys a watcher is called with.
type recorder struct {
	mu   sync.Mutex
	keys []string
}

func (r *recorder) watch(k cumulus.AssetKey) {
	if k == (cumulus.AssetKey{}) {
		return // "drop everything", allowed at any time (listener start)
	}
	r.mu.Lock()
	r.keys = append(r.keys, k.PublicID)
	r.mu.Unlock()
}

func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.keys...)
}

// waitFor polls until r has seen want, failing t after a few seconds.
func (r *recorder) waitFor(t *testing.T, what string, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !reflect.DeepEqual(r.get(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: watcher saw %v, want %v", what, r.get(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two Stores on one database are two nodes: each one's watchers hear
// every committed change, its own once (directly, not again from the
// notification's echo) and the other node's through LISTEN; changes that
// are not committed are heard by no one.
func TestWatchAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, dsn := withDemo(t)
	b := open(t, dsn)
	var ra, rb recorder
	a.WatchChanges(ra.watch)
	b.WatchChanges(rb.watch)
	var wantA, wantB []string
	steps := []struct {
		name string
		on   *postgres.Store
		do   func(s *postgres.Store) error
		keys []string // the changes, empty when nothing is committed
	}{
		{"UploadOnA", a, func(s *postgres.Store) error { _, err := s.AddVersion(ctx, upload("x", "b1")); return err }, []string{"x"}},
		{"OverwriteOnB", b, func(s *postgres.Store) error { _, err := s.AddVersion(ctx, upload("x", "b2")); return err }, []string{"x"}},
		{"NoOverwriteOnB", b, func(s *postgres.Store) error {
			nv := upload("x", "b3")
			nv.Overwrite = false
			_, err := s.AddVersion(ctx, nv)
			return err
		}, nil},
		{"UploadOnB", b, func(s *postgres.Store) error { _, err := s.AddVersion(ctx, upload("z", "b4")); return err }, []string{"z"}},
		{"RenameOntoTakenOnA", a, func(s *postgres.Store) error {
			if _, err := s.RenameAsset(ctx, key("x"), key("z"), false, false, t0); cumulus.KindOf(err) != cumulus.Conflict {
				return fmt.Errorf("rename onto z: %v, want Conflict", err)
			}
			return nil
		}, nil},
		{"RenameOnA", a, func(s *postgres.Store) error {
			_, err := s.RenameAsset(ctx, key("x"), key("y"), false, false, t0)
			return err
		}, []string{"x", "y"}},
		{"RestoreOnB", b, func(s *postgres.Store) error {
			vs, err := s.Versions(ctx, key("y"))
			if err == nil {
				_, err = s.RestoreVersion(ctx, key("y"), vs[0].VersionID, t0.Add(time.Hour))
			}
			return err
		}, []string{"y"}},
		{"TagsOnB", b, func(s *postgres.Store) error { // not delivery state: not reported, as in SQLite
			_, err := s.UpdateTags(ctx, []cumulus.AssetKey{key("y")}, cumulus.TagAdd, []string{"t"}, t0)
			return err
		}, nil},
		{"DeleteAssetsOnA", a, func(s *postgres.Store) error {
			y, _ := s.Asset(ctx, key("y"))
			z, _ := s.Asset(ctx, key("z"))
			_, err := s.DeleteAssets(ctx, "demo", []string{y.ID, z.ID})
			return err
		}, nil}, // checked below: y and z in either order
		{"DeleteMissingOnB", b, func(s *postgres.Store) error {
			if _, err := s.DeleteAsset(ctx, key("y"), false); !cumulus.IsNotFound(err) {
				return fmt.Errorf("delete of a deleted asset: %v, want NotFound", err)
			}
			return nil
		}, nil},
	}
	for _, st := range steps {
		local := &ra
		if st.on == b {
			local = &rb
		}
		if err := st.do(st.on); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.name == "DeleteAssetsOnA" {
			got := ra.get()[len(wantA):]
			if len(got) != 2 || got[0] == got[1] || (got[0] != "y" && got[0] != "z") || (got[1] != "y" && got[1] != "z") {
				t.Fatalf("%s: local watcher saw %v, want y and z", st.name, got)
			}
			st.keys = got
		}
		wantA, wantB = append(wantA, st.keys...), append(wantB, st.keys...)
		// The local watcher has been called by the time the write returns.
		if want := wantA; local == &rb {
			want = wantB
			if got := rb.get(); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: B's watcher saw %v at return, want %v", st.name, got, want)
			}
		} else if got := ra.get(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: A's watcher saw %v at return, want %v", st.name, got, want)
		}
		ra.waitFor(t, st.name+" on A", wantA)
		rb.waitFor(t, st.name+" on B", wantB)
	}
	// Nothing arrives late: no echo is reported, no change twice.
	time.Sleep(300 * time.Millisecond)
	if got := ra.get(); !reflect.DeepEqual(got, wantA) {
		t.Fatalf("A's watcher finally saw %v, want %v", got, wantA)
	}
	if got := rb.get(); !reflect.DeepEqual(got, wantB) {
		t.Fatalf("B's watcher finally saw %v, want %v", got, wantB)
	}
}

// A listener whose connection is cut reconnects on its own, and hears the
// other nodes' changes again.
func TestWatchReconnects(t *testing.T) {
	ctx := context.Background()
	a, dsn := withDemo(t)
	b := open(t, dsn)
	var rb recorder
	b.WatchChanges(rb.watch)
	tag, err := a.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'cumulus-listener' AND datname = current_database()`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("terminating the listener: %v (%d sessions), want exactly one", err, tag.RowsAffected())
	}
	// Changes made while it is away are lost; keep changing until one
	// gets through.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; len(rb.get()) == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not come back within 10 s")
		}
		if _, err := a.AddVersion(ctx, upload(fmt.Sprintf("r%d", i), "b")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A Store without watchers holds no listener connection.
func TestNoWatchersNoListener(t *testing.T) {
	ctx := context.Background()
	s, _ := withDemo(t)
	if _, err := s.AddVersion(ctx, upload("n", "b")); err != nil {
		t.Fatal(err)
	}
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'cumulus-listener' AND datname = current_database()`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d listener sessions without a watcher, want 0", n)
	}
}

// SyncChanges returns only once another node's committed change has
// reached this node's watchers: the read-your-writes guarantee delivery
// relies on across nodes.
func TestSyncChangesAcrossNodes(t *testing.T) {
	ctx := context.Background()
	a, dsn := withDemo(t)
	b := open(t, dsn)
	var ra recorder
	a.WatchChanges(ra.watch)
	if err := a.SyncChanges(ctx); err != nil {
		t.Fatalf("SyncChanges with nothing to wait for: %v", err)
	}
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("s%d", i)
		if _, err := b.AddVersion(ctx, upload(id, "b"+id)); err != nil {
			t.Fatal(err)
		}
		if err := a.SyncChanges(ctx); err != nil {
			t.Fatalf("SyncChanges after B's change %d: %v", i, err)
		}
		if got := ra.get(); len(got) != i+1 || got[i] != id {
			t.Fatalf("after SyncChanges A's watcher saw %v, want it to end with %s", got, id)
		}
	}
}
