package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/admin"
	"github.com/cumulusmedia/cumulus/internal/testenv"
	"github.com/cumulusmedia/cumulus/store/sqlite"
)

// fill puts the same assets, at the same times, into a store.
func fill(t *testing.T, s cumulus.AssetStore) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutEnvironment(ctx, cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		id     string
		rt     cumulus.ResourceType
		format string
		bytes  int64
		w      int
		tags   []string
		ctx    map[string]string
		at     time.Duration
		file   string
	}{
		{"shop/shoe", cumulus.Image, "jpg", 2 << 20, 1920, []string{"sale", "red"}, map[string]string{"alt": "A shoe", "k": `q"uote`}, -48 * time.Hour, "shoe.jpg"},
		{"shop/hat", cumulus.Image, "png", 500, 64, []string{"red", "Red"}, nil, -2 * time.Hour, "hat.png"},
		{"shop/deep/sock", cumulus.Image, "webp", 1000, 300, nil, map[string]string{"alt": "A sock", "x<y": "&"}, 0, "sock.webp"},
		{"logo", cumulus.Image, "png", 200, 32, []string{"brand"}, nil, 0, "logo.png"},
		{"Logo_old", cumulus.Image, "gif", 100, 16, []string{"brand", "old"}, nil, time.Hour, "logo.gif"},
		{"héllo/wörld", cumulus.Image, "jpg", 300, 20, []string{"ünï"}, map[string]string{"ключ": "значение"}, 0, "hw.jpg"},
		{"docs/manual.pdf", cumulus.Raw, "", 5000, 0, []string{"sale"}, nil, 0, "manual.pdf"},
		{"clip", cumulus.Video, "mp4", 9 << 20, 640, nil, nil, -time.Minute, "clip.mp4"},
	} {
		_, err := s.AddVersion(ctx, cumulus.NewVersion{AssetKey: cumulus.AssetKey{Cloud: "demo", ResourceType: a.rt, Type: cumulus.Upload, PublicID: a.id},
			Overwrite: true, Now: t0.Add(a.at), Tags: a.tags, Context: a.ctx,
			Version: cumulus.Version{BlobKey: "b-" + a.id, Bytes: a.bytes, Format: a.format, Width: a.w, Height: 10, ETag: "e", OriginalFilename: a.file}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Every search expression the admin package compiles runs on PostgreSQL
// and finds what it finds on SQLite, in the same order: the compiled SQL
// (its '?' placeholders, substr and instr) means the same on both.
func TestSearchMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := open(t, testenv.Postgres(t))
	fill(t, lite)
	fill(t, pg)
	now := func() time.Time { return t0 }
	svcs := map[string]*admin.Service{}
	for name, s := range map[string]cumulus.AssetStore{"sqlite": lite, "postgres": pg} {
		svc, err := admin.New(s, admin.DefaultConfig(), nil, now)
		if err != nil {
			t.Fatal(err)
		}
		svcs[name] = svc
	}
	env := cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}
	exprs := []string{
		"", "tags=red", "tags:Red", "tags:re*", "tag!=red", "-tags=red", "tags:ü*",
		"resource_type:image", "resource_type!=image", "type=upload", "type:upl*",
		"public_id=logo", "public_id:shop/*", "public_id:héllo/*", "public_id:L*", "asset_id=nope", "asset_id!=nope",
		"format=png", "format:j*", "filename=hat.png", "filename:s*",
		"folder=shop", "folder:shop/*", `folder=""`, "folder=/", "folder=héllo", "folder!=shop",
		`context.alt="A sock"`, "context.alt:*", "context.alt!=*", `context.k="q\"uote"`, "context.ключ=значение", "context.nope:*",
		"bytes>1mb", "bytes<=500", "bytes>=1.5kb", "bytes:500", "bytes!=500", "width>100 AND width<1000", "height=10", "pixels<1000", "pages=0",
		"created_at>1d", "created_at<2026-11-21", "created_at:2026-11-22", "created_at=2026-11-22T12:00:00Z", "uploaded_at>1h", "updated_at>=2026-11-22", "updated_at!=2026-11-22",
		"(tags=red OR tags=sale) AND (format=jpg OR resource_type=raw)", "NOT (tags=red OR tags=sale)", "brand", "sock", "o", "l OR sale",
		`tags="it's ; DROP TABLE assets"`, `"a?b"`, `public_id="what?"`, "tags='",
	}
	sorts := [][]admin.SortBy{nil, {{Field: "public_id"}}, {{Field: "bytes", Desc: true}}, {{Field: "created_at"}}}
	for _, expr := range exprs {
		for _, sortBy := range sorts {
			name := fmt.Sprintf("%s/%v", expr, sortBy)
			got := map[string][]string{}
			totals := map[string]int64{}
			aggs := map[string]any{}
			for store, svc := range svcs {
				res, err := svc.Search(ctx, env, admin.SearchParams{Expression: expr, SortBy: sortBy, MaxResults: 3, Aggregate: []string{"format", "resource_type"}})
				if err != nil {
					t.Errorf("%s on %s: %v", name, store, err)
					continue
				}
				totals[store], aggs[store] = res.TotalCount, res.Aggregations
				for {
					for _, r := range res.Resources {
						got[store] = append(got[store], r.PublicID)
					}
					if res.NextCursor == "" {
						break
					}
					if res, err = svc.Search(ctx, env, admin.SearchParams{Expression: expr, SortBy: sortBy, MaxResults: 3, NextCursor: res.NextCursor}); err != nil {
						t.Fatalf("%s on %s, next page: %v", name, store, err)
					}
				}
			}
			if !reflect.DeepEqual(got["postgres"], got["sqlite"]) {
				t.Errorf("%s: PostgreSQL finds %q, SQLite %q", name, got["postgres"], got["sqlite"])
			}
			if totals["postgres"] != totals["sqlite"] || !reflect.DeepEqual(aggs["postgres"], aggs["sqlite"]) {
				t.Errorf("%s: PostgreSQL counts %d %v, SQLite %d %v", name, totals["postgres"], aggs["postgres"], totals["sqlite"], aggs["sqlite"])
			}
		}
	}
	// The same, through the stores directly, for the aggregate counts.
	for _, expr := range []string{"", "tags=red", "folder:shop/*", "bytes>400"} {
		e, _ := admin.ParseExpression(expr)
		f, err := admin.CompileExpression(e, t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"format", "resource_type", "type"} {
			q := cumulus.AssetQuery{Cloud: "demo", Filter: f}
			a, errA := lite.CountAssetsBy(ctx, q, field)
			b, errB := pg.CountAssetsBy(ctx, q, field)
			if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("%q by %s: SQLite %v (%v), PostgreSQL %v (%v)", expr, field, a, errA, b, errB)
			}
		}
	}
}

// A cursor whose sort value is of the wrong kind for the listing's order
// is refused like any malformed one, not sent to PostgreSQL to fail there.
func TestCursorOfAnotherSortIsInvalid(t *testing.T) {
	ctx := context.Background()
	s, _ := withDemo(t)
	for i := 0; i < 3; i++ {
		if _, err := s.AddVersion(ctx, upload(fmt.Sprintf("c%d", i), "b")); err != nil {
			t.Fatal(err)
		}
	}
	next := func(sortBy cumulus.SortField) string {
		p, err := s.ListAssets(ctx, cumulus.AssetQuery{Cloud: "demo", Sort: sortBy, Limit: 1})
		if err != nil || p.Next == "" {
			t.Fatalf("first page by %q: %+v, %v", sortBy, p, err)
		}
		return p.Next
	}
	byID, byBytes, byInsert := next(cumulus.SortPublicID), next(cumulus.SortBytes), next(cumulus.SortInserted)
	for _, c := range []struct {
		name   string
		sortBy cumulus.SortField
		after  string
		ok     bool
	}{
		{"SameSort", cumulus.SortPublicID, byID, true},
		{"TextForNumber", cumulus.SortBytes, byID, false},
		{"NumberForText", cumulus.SortPublicID, byBytes, false},
		{"NoneForNumber", cumulus.SortWidth, byInsert, false},
		{"NumberForInsertion", cumulus.SortInserted, byBytes, false},
		{"Garbage", cumulus.SortInserted, "eyJzIjpbMV0sInIiOjF9", false}, // {"s":[1],"r":1}
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.ListAssets(ctx, cumulus.AssetQuery{Cloud: "demo", Sort: c.sortBy, After: c.after})
			if c.ok && err != nil {
				t.Fatalf("ListAssets: %v", err)
			}
			if !c.ok && cumulus.KindOf(err) != cumulus.Invalid {
				t.Fatalf("ListAssets: %v, want Invalid", err)
			}
		})
	}
}
