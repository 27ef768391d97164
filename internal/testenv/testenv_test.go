package testenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Each call gives a new, empty database, and it is gone once the test that
// asked for it has ended.
func TestPostgresDatabasePerCall(t *testing.T) {
	ctx := context.Background()
	var first, second string
	t.Run("Use", func(t *testing.T) {
		first, second = Postgres(t), Postgres(t)
		if first == second {
			t.Fatalf("two calls gave the same database %s", first)
		}
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tables int
		conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables)
		if tables != 0 {
			t.Fatalf("new database has %d tables", tables)
		}
	})
	for _, dsn := range []string{first, second} {
		conn, err := pgx.Connect(ctx, dsn)
		var pe *pgconn.PgError
		if err == nil {
			conn.Close(ctx)
		}
		if !errors.As(err, &pe) || pe.Code != "3D000" { // invalid_catalog_name
			t.Fatalf("database of an ended test: connect gave %v, want it dropped", err)
		}
	}
}

func TestTrustLoopback(t *testing.T) {
	const rule = "host all all 127.0.0.1/32 trust"
	cases := []struct {
		name, before string
		wantFirst    bool // the rule is added on top
	}{
		{"Added", "local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n", true},
		{"AlreadyThere", "local all all trust\nhost    all  all   127.0.0.1/32    trust\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pg_hba.conf")
			os.WriteFile(path, []byte(c.before), 0o640)
			for i := 0; i < 2; i++ { // twice: the second call changes nothing
				if err := trustLoopback(path); err != nil {
					t.Fatal(err)
				}
			}
			after, _ := os.ReadFile(path)
			if got := string(after); c.wantFirst && got != rule+"\n"+c.before || !c.wantFirst && got != c.before {
				t.Fatalf("pg_hba.conf became\n%s", got)
			}
			if n := strings.Count(string(after), "127.0.0.1/32"); n > 2 {
				t.Fatalf("%d loopback rules after two calls", n)
			}
		})
	}
}
