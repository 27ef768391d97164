package admin_test

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/admin"
	"github.com/cumulusmedia/cumulus/store/sqlite"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fixture is a store with a few assets of every kind the expressions in
// the tests tell apart.
func fixture(t *testing.T) (*sqlite.Store, cumulus.Environment) {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	env := cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"}
	s.PutEnvironment(ctx, env)
	for _, a := range []struct {
		id     string
		rt     cumulus.ResourceType
		format string
		bytes  int64
		w      int
		tags   []string
		ctx    map[string]string
		at     time.Time
	}{
		{"shop/shoe", cumulus.Image, "jpg", 2 << 20, 1920, []string{"sale", "red"}, map[string]string{"alt": "A shoe"}, t0.Add(-48 * time.Hour)},
		{"shop/hat", cumulus.Image, "png", 500, 64, []string{"red"}, nil, t0.Add(-2 * time.Hour)},
		{"shop/deep/sock", cumulus.Image, "webp", 1000, 300, nil, map[string]string{"alt": "A sock"}, t0},
		{"logo", cumulus.Image, "png", 200, 32, []string{"brand"}, nil, t0},
		{"docs/manual.pdf", cumulus.Raw, "", 5000, 0, []string{"sale"}, nil, t0},
	} {
		_, err := s.AddVersion(ctx, cumulus.NewVersion{AssetKey: cumulus.AssetKey{Cloud: "demo", ResourceType: a.rt, Type: cumulus.Upload, PublicID: a.id},
			Overwrite: true, Now: a.at, Tags: a.tags, Context: a.ctx,
			Version: cumulus.Version{BlobKey: "b", Bytes: a.bytes, Format: a.format, Width: a.w, Height: 10, ETag: "e"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, env
}

func TestSearchExpressions(t *testing.T) {
	s, env := fixture(t)
	svc, err := admin.New(s, admin.DefaultConfig(), nil, func() time.Time { return t0 })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ expr, want string }{
		{"", "docs/manual.pdf logo shop/deep/sock shop/hat shop/shoe"},
		{"tags=red", "shop/hat shop/shoe"},
		{"tags:sale AND resource_type:image", "shop/shoe"},
		{"tags=red OR tags=brand", "logo shop/hat shop/shoe"},
		{"tags=red AND NOT format=png", "shop/shoe"},
		{"tags=red -format=png", "shop/shoe"},
		{"folder=shop", "shop/hat shop/shoe"},
		{"folder:shop/*", "shop/deep/sock shop/hat shop/shoe"},
		{`folder=""`, "logo"},
		{"resource_type=raw", "docs/manual.pdf"},
		{"format=png", "logo shop/hat"},
		{"public_id:shop/s*", "shop/shoe"},
		{"public_id=logo", "logo"},
		{"bytes>1mb", "shop/shoe"},
		{"bytes<=500", "logo shop/hat"},
		{"width>100 AND width<1000", "shop/deep/sock"},
		{"created_at>1d", "docs/manual.pdf logo shop/deep/sock shop/hat"},
		{"created_at<2026-11-21", "shop/shoe"},
		{"created_at:2026-11-22", "docs/manual.pdf logo shop/deep/sock shop/hat"},
		{`context.alt="A sock"`, "shop/deep/sock"},
		{"context.alt:*", "shop/deep/sock shop/shoe"},
		{"(tags=red OR tags=sale) AND (format=jpg OR resource_type=raw)", "docs/manual.pdf shop/shoe"},
		{"NOT (tags=red OR tags=sale)", "logo shop/deep/sock"},
		{"brand", "logo"},
		{"sock", "shop/deep/sock"},
		{`tags="it's ; DROP TABLE assets"`, ""},
	}
	for _, c := range cases {
		res, err := svc.Search(context.Background(), env, admin.SearchParams{Expression: c.expr, MaxResults: 100})
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		var got []string
		for _, r := range res.Resources {
			got = append(got, r.PublicID)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q = %v, want %s", c.expr, got, c.want)
		}
		if res.TotalCount != int64(len(got)) {
			t.Errorf("%q: total_count %d, want %d", c.expr, res.TotalCount, len(got))
		}
	}
}

func TestSearchPagingSortAndAggregate(t *testing.T) {
	s, env := fixture(t)
	svc, _ := admin.New(s, admin.DefaultConfig(), nil, func() time.Time { return t0 })
	var got []string
	cursor := ""
	for i := 0; i < 10; i++ {
		res, err := svc.Search(context.Background(), env, admin.SearchParams{SortBy: []admin.SortBy{{Field: "public_id"}}, MaxResults: 2, NextCursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Resources {
			got = append(got, r.PublicID)
		}
		if cursor = res.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"docs/manual.pdf", "logo", "shop/deep/sock", "shop/hat", "shop/shoe"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pages by public_id = %v, want %v", got, want)
	}
	res, err := svc.Search(context.Background(), env, admin.SearchParams{Expression: "resource_type:image", Aggregate: []string{"format", "resource_type"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Aggregations["format"], map[string]int64{"jpg": 1, "png": 2, "webp": 1}) || res.Aggregations["resource_type"]["image"] != 4 {
		t.Fatalf("aggregations = %v", res.Aggregations)
	}
	if _, err := svc.Search(context.Background(), env, admin.SearchParams{SortBy: []admin.SortBy{{Field: "nope"}}}); cumulus.KindOf(err) != cumulus.Invalid {
		t.Fatalf("unknown sort field: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ expr, msg string }{
		{"*", "Query Error (at position 1)"},
		{"public_id:*abc", "Query Error (at position 11)"},
		{"tags=red AND", "Query Error (at position 13)"},
		{"(tags=red", "Query Error (at position 1)"},
		{"tags=red)", "Query Error (at position 9)"},
		{`tags="open`, "Query Error (at position 6)"},
		{"bytes>lots", "Query Error (at position 1)"},
		{"nosuchfield=1", "Query Error (at position 1)"},
		{"tags>3", "Query Error (at position 1)"},
		{"created_at>yesterday", "Query Error (at position 1)"},
		{strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100), "Query Error (at position 33)"},
	}
	for _, c := range cases {
		e, err := admin.ParseExpression(c.expr)
		if err == nil {
			_, err = admin.CompileExpression(e, t0)
		}
		if err == nil || cumulus.PublicMessage(err) != c.msg || cumulus.KindOf(err) != cumulus.Invalid {
			t.Errorf("%q: %v, want %q", c.expr, err, c.msg)
		}
	}
}

func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"tags=red AND NOT (format:png OR bytes>1mb)", `context.alt="a \" b"`, "public_id:a/b*", "-x", "created_at>2026-01-01T00:00:00Z", "((a))", "a OR"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := admin.ParseExpression(s)
		if err != nil {
			if cumulus.KindOf(err) != cumulus.Invalid {
				t.Fatalf("%q: error of kind %v", s, cumulus.KindOf(err))
			}
			return
		}
		flt, err := admin.CompileExpression(e, t0)
		if err != nil || flt == nil {
			return
		}
		// Every value is bound: placeholders and arguments agree.
		if n := strings.Count(flt.Where, "?"); n != len(flt.Args) {
			t.Fatalf("%q: %d placeholders, %d args: %s", s, n, len(flt.Args), flt.Where)
		}
	})
}
