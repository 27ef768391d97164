package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/store/sqlite"
	"github.com/cumulusmedia/cumulus/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) cumulus.AssetStore {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "cumulus.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestReopenKeepsSchemaAndData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.PutEnvironment(t.Context(), cumulus.Environment{Cloud: "demo", APIKey: "k", APISecret: "s"})
	s.Close()
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.Environment(t.Context(), "demo"); err != nil {
		t.Fatalf("environment lost across reopen: %v", err)
	}
	var mode string
	s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %s, want wal", mode)
	}
}
