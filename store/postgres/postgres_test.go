package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/internal/testenv"
	"github.com/cumulusmedia/cumulus/store/postgres"
	"github.com/cumulusmedia/cumulus/store/storetest"
)

// Each store gets its own new database, so the suite can run beside other
// packages' tests on the same server.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cumulus.AssetStore {
		return open(t, testenv.Postgres(t))
	})
}

func open(t *testing.T, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func key(id string) cumulus.AssetKey {
	return cumulus.AssetKey{Cloud: "demo", ResourceType: cumulus.Image, Type: cumulus.Upload, PublicID: id}
}

func upload(id, blob string) cumulus.NewVersion {
	return cumulus.NewVersion{AssetKey: key(id), Overwrite: true, Now: t0,
		Version: cumulus.Version{BlobKey: blob, Bytes: 10, Format: "jpg", ETag: "e"}}
}

// withDemo returns a store on a fresh database holding the "demo" cloud.
func withDemo(t *testing.T) (*postgres.Store, string) {
	dsn := testenv.Postgres(t)
	s := open(t, dsn)
	if err := s.PutEnvironment(context.Background(), cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}); err != nil {
		t.Fatal(err)
	}
	return s, dsn
}

// Several nodes starting at once against a new database all come up, and
// the schema is applied exactly once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := postgres.Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
	}
	s := open(t, dsn)
	var n, distinct int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if n != len(files) || distinct != n {
		t.Fatalf("schema_migrations has %d rows (%d distinct), want %d: each migration applied once", n, distinct, len(files))
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	s, dsn := withDemo(t)
	if _, err := s.AddVersion(ctx, upload("kept", "b1")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dsn)
	a, err := s.Asset(ctx, key("kept"))
	if err != nil || a.Current.BlobKey != "b1" {
		t.Fatalf("after reopen: %+v, %v", a, err)
	}
}

// Racing writers, as several nodes produce them: each case's outcome is
// what one node alone would have produced in some order.
func TestRaces(t *testing.T) {
	ctx := context.Background()
	const racers = 8
	cases := []struct {
		name  string
		prep  func(t *testing.T, s *postgres.Store)
		race  func(s *postgres.Store, i int) error
		check func(t *testing.T, s *postgres.Store, errs []error)
	}{
		{
			name: "FirstUploadOfOnePublicID",
			race: func(s *postgres.Store, i int) error {
				_, err := s.AddVersion(ctx, upload("new", fmt.Sprintf("b%d", i)))
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				noErrors(t, errs)
				vs, err := s.Versions(ctx, key("new"))
				if err != nil || len(vs) != racers {
					t.Fatalf("%d versions, %v; want %d, one per upload", len(vs), err, racers)
				}
				for i := 1; i < len(vs); i++ {
					if vs[i].Version <= vs[i-1].Version {
						t.Fatalf("versions %d then %d: not strictly increasing", vs[i-1].Version, vs[i].Version)
					}
				}
			},
		},
		{
			name: "CreateWithoutOverwrite",
			race: func(s *postgres.Store, i int) error {
				nv := upload("once", fmt.Sprintf("b%d", i))
				nv.Overwrite = false
				res, err := s.AddVersion(ctx, nv)
				if err == nil && res.Created == res.Existing {
					err = fmt.Errorf("flags %+v: want exactly one of Created, Existing", res)
				}
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				noErrors(t, errs)
				if vs, err := s.Versions(ctx, key("once")); err != nil || len(vs) != 1 {
					t.Fatalf("%d versions, %v; want 1: only the first upload creates", len(vs), err)
				}
			},
		},
		{
			name: "DeleteOneAsset",
			prep: func(t *testing.T, s *postgres.Store) {
				if _, err := s.AddVersion(ctx, upload("gone", "b")); err != nil {
					t.Fatal(err)
				}
			},
			race: func(s *postgres.Store, i int) error {
				_, err := s.DeleteAsset(ctx, key("gone"), false)
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				// Only one delete may hand the asset's blobs back for release.
				if ok, notFound := count(errs); ok != 1 || notFound != racers-1 {
					t.Fatalf("%d deletes succeeded and %d found nothing (%v); want 1 and %d", ok, notFound, errs, racers-1)
				}
			},
		},
		{
			name: "RenameOntoOneTarget",
			prep: func(t *testing.T, s *postgres.Store) {
				for i := 0; i < racers; i++ {
					if _, err := s.AddVersion(ctx, upload(fmt.Sprintf("src%d", i), fmt.Sprintf("b%d", i))); err != nil {
						t.Fatal(err)
					}
				}
			},
			race: func(s *postgres.Store, i int) error {
				_, err := s.RenameAsset(ctx, key(fmt.Sprintf("src%d", i)), key("target"), false, false, t0)
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				var ok, conflict int
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case cumulus.KindOf(err) == cumulus.Conflict:
						conflict++
						if msg := cumulus.PublicMessage(err); msg != "to_public_id target already exists" {
							t.Errorf("conflict message %q", msg)
						}
					default:
						t.Errorf("rename: %v", err)
					}
				}
				if ok != 1 || conflict != racers-1 {
					t.Fatalf("%d renames succeeded and %d conflicted; want 1 and %d", ok, conflict, racers-1)
				}
			},
		},
		{
			name: "SwapRenamesWithOverwrite",
			prep: func(t *testing.T, s *postgres.Store) {
				for _, id := range []string{"a", "b"} {
					if _, err := s.AddVersion(ctx, upload(id, id)); err != nil {
						t.Fatal(err)
					}
				}
			},
			race: func(s *postgres.Store, i int) error {
				from, to := key("a"), key("b")
				if i%2 == 1 {
					from, to = to, from
				}
				_, err := s.RenameAsset(ctx, from, to, true, false, t0)
				if cumulus.IsNotFound(err) {
					return nil // an earlier rename moved it away: fine
				}
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				noErrors(t, errs)
				_, errA := s.Asset(ctx, key("a"))
				_, errB := s.Asset(ctx, key("b"))
				if (errA == nil) == (errB == nil) {
					t.Fatalf("a: %v, b: %v; want exactly one left after overwriting renames", errA, errB)
				}
			},
		},
		{
			name: "TagCommandsOnOverlappingAssets",
			prep: func(t *testing.T, s *postgres.Store) {
				for _, id := range []string{"a", "b"} {
					if _, err := s.AddVersion(ctx, upload(id, id)); err != nil {
						t.Fatal(err)
					}
				}
			},
			race: func(s *postgres.Store, i int) error {
				// Keys in opposite orders must not deadlock (and so wait a
				// second for PostgreSQL's deadlock detector).
				keys := []cumulus.AssetKey{key("a"), key("b")}
				if i%2 == 1 {
					keys = []cumulus.AssetKey{key("b"), key("a")}
				}
				_, err := s.UpdateTags(ctx, keys, cumulus.TagAdd, []string{fmt.Sprintf("t%d", i)}, t0)
				return err
			},
			check: func(t *testing.T, s *postgres.Store, errs []error) {
				noErrors(t, errs)
				for _, id := range []string{"a", "b"} {
					if a, err := s.Asset(ctx, key(id)); err != nil || len(a.Tags) != racers {
						t.Fatalf("%s has tags %v, %v; want %d", id, a.Tags, err, racers)
					}
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := withDemo(t)
			if c.prep != nil {
				c.prep(t, s)
			}
			errs := make([]error, racers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					errs[i] = c.race(s, i)
				}(i)
			}
			close(start)
			wg.Wait()
			c.check(t, s, errs)
		})
	}
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
	}
}

func count(errs []error) (ok, notFound int) {
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case cumulus.IsNotFound(err):
			notFound++
		}
	}
	return ok, notFound
}

// The public messages are Cloudinary's, word for word as store/sqlite
// gives them.
func TestPublicMessages(t *testing.T) {
	ctx := context.Background()
	s, _ := withDemo(t)
	_, errEnv := s.Environment(ctx, "nocloud")
	_, errAsset := s.Asset(ctx, key("missing"))
	_, errVersions := s.Versions(ctx, key("missing"))
	_, errDelete := s.DeleteAsset(ctx, key("missing"), false)
	_, errRename := s.RenameAsset(ctx, key("missing"), key("x"), false, false, t0)
	_, errTags := s.UpdateTags(ctx, []cumulus.AssetKey{key("x")}, "shuffle", nil, t0)
	for _, c := range []struct {
		name string
		err  error
		kind cumulus.Kind
		msg  string
	}{
		{"UnknownCloud", errEnv, cumulus.NotFound, "Unknown cloud name - nocloud"},
		{"MissingAsset", errAsset, cumulus.NotFound, "Resource not found - missing"},
		{"MissingVersions", errVersions, cumulus.NotFound, "Resource not found - missing"},
		{"DeleteMissing", errDelete, cumulus.NotFound, "Resource not found - missing"},
		{"RenameMissing", errRename, cumulus.NotFound, "Resource not found - missing"},
		{"BadTagCommand", errTags, cumulus.Invalid, "Invalid command - shuffle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if k := cumulus.KindOf(c.err); k != c.kind {
				t.Fatalf("kind %v (%v), want %v", k, c.err, c.kind)
			}
			if m := cumulus.PublicMessage(c.err); m != c.msg {
				t.Fatalf("message %q, want %q", m, c.msg)
			}
		})
	}
}

// Tags sort by bytes, as in SQLite, whatever the database's collation.
func TestTagOrderIsBytewise(t *testing.T) {
	ctx := context.Background()
	s, _ := withDemo(t)
	nv := upload("t", "b")
	nv.Tags = []string{"b", "B", "a", "_x", "A"}
	res, err := s.AddVersion(ctx, nv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A", "B", "_x", "a", "b"}
	if fmt.Sprint(res.Asset.Tags) != fmt.Sprint(want) {
		t.Fatalf("tags %v, want %v", res.Asset.Tags, want)
	}
}

func TestOpenRefusesBadDSN(t *testing.T) {
	for _, dsn := range []string{"postgres://user:hunter2@host:notaport/db", "mysql://x"} {
		_, err := postgres.Open(context.Background(), dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if got := err.Error(); strings.Contains(got, "hunter2") {
			t.Fatalf("error %q shows the password", got)
		}
	}
}

// A role with only data privileges can open a migrated database: nodes
// that never migrate need not be able to create tables.
func TestOpenWithDataOnlyRole(t *testing.T) {
	s, _ := withDemo(t)
	rw := dataOnly(t, s)
	if _, err := rw.AddVersion(context.Background(), upload("by-rw", "b")); err != nil {
		t.Fatalf("data-only role cannot upload: %v", err)
	}
}

// dataOnly opens s's database as a new role with only SELECT, INSERT,
// UPDATE and DELETE on its tables.
func dataOnly(t *testing.T, s *postgres.Store) *postgres.Store {
	t.Helper()
	ctx := context.Background()
	role := "cumulus_rw_" + fmt.Sprint(time.Now().UnixNano())
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN`,
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
	} {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		s.Pool().Exec(ctx, `DROP OWNED BY `+role)
		s.Pool().Exec(ctx, `DROP ROLE `+role)
	})
	cfg := s.Pool().Config().ConnConfig
	u := url.URL{Scheme: "postgres", User: url.User(role), Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + cfg.Database, RawQuery: "sslmode=disable"}
	return open(t, u.String())
}
