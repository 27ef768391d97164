package fsblob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/blobtest"
	"github.com/cumulusmedia/cumulus/blob/fsblob"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) cumulus.BlobStore {
		s, err := fsblob.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// A symlink planted inside the folder must not lead a read outside it.
func TestSymlinkCannotEscape(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	os.MkdirAll(filepath.Join(dir, "o"), 0o755)
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "o", "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	s, err := fsblob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, err := s.Get(context.Background(), "o/link"); err == nil {
		b.Close()
		t.Fatal("Get followed a symlink out of the store")
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	s, _ := fsblob.Open(dir)
	defer s.Close()
	for i := 0; i < 3; i++ {
		if _, err := s.Put(context.Background(), "x/y/z", strings.NewReader("abc")); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if !fi.IsDir() {
			names = append(names, fi.Name())
		}
		return nil
	})
	if len(names) != 1 || names[0] != "z" {
		t.Fatalf("files in the store: %v, want just z", names)
	}
}
