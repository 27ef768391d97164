// Package blobtest is the conformance suite every cumulus.BlobStore must
// pass. A backend's test calls Run with a constructor for an empty store.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/cumulusmedia/cumulus"
)

// Run runs the suite. newStore must return an empty store each call.
func Run(t *testing.T, newStore func(t *testing.T) cumulus.BlobStore) {
	ctx := context.Background()

	t.Run("PutGetRoundTrip", func(t *testing.T) {
		s := newStore(t)
		data := randomBytes(t, 300_000)
		n, err := s.Put(ctx, "originals/ab/abcdef", bytes.NewReader(data))
		if err != nil || n != int64(len(data)) {
			t.Fatalf("Put = %d, %v; want %d, nil", n, err, len(data))
		}
		got := readAll(t, s, "originals/ab/abcdef")
		if !bytes.Equal(got, data) {
			t.Fatalf("Get returned %d bytes that differ from the %d put", len(got), len(data))
		}
		size, err := s.Stat(ctx, "originals/ab/abcdef")
		if err != nil || size != int64(len(data)) {
			t.Fatalf("Stat = %d, %v; want %d", size, err, len(data))
		}
	})

	t.Run("BlobIsSeekable", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "k/seek", []byte("0123456789"))
		b, err := s.Get(ctx, "k/seek")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if b.Size() != 10 {
			t.Fatalf("Size = %d, want 10", b.Size())
		}
		if _, err := b.Seek(4, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(b)
		if string(rest) != "456789" {
			t.Fatalf("after Seek(4) read %q", rest)
		}
	})

	t.Run("MissingIsNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "nope/missing"); !cumulus.IsNotFound(err) {
			t.Fatalf("Get missing: %v, want NotFound", err)
		}
		if _, err := s.Stat(ctx, "nope/missing"); !cumulus.IsNotFound(err) {
			t.Fatalf("Stat missing: %v, want NotFound", err)
		}
		if err := s.Delete(ctx, "nope/missing"); err != nil {
			t.Fatalf("Delete missing: %v, want nil", err)
		}
	})

	t.Run("PutReplaces", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/x", []byte("first version, longer"))
		put(t, s, "d/x", []byte("second"))
		if got := readAll(t, s, "d/x"); string(got) != "second" {
			t.Fatalf("after replace got %q", got)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "d/gone", []byte("x"))
		if err := s.Delete(ctx, "d/gone"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "d/gone"); !cumulus.IsNotFound(err) {
			t.Fatalf("Get after Delete: %v, want NotFound", err)
		}
	})

	t.Run("FailedPutLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		r := io.MultiReader(bytes.NewReader(make([]byte, 1000)), failingReader{})
		if _, err := s.Put(ctx, "f/half", r); err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		if _, err := s.Get(ctx, "f/half"); !cumulus.IsNotFound(err) {
			t.Fatalf("a failed Put left a readable blob: %v", err)
		}
	})

	t.Run("CancelledPutLeavesNothing", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, "f/cancelled", strings.NewReader("data")); err == nil {
			t.Fatal("Put with a cancelled context succeeded")
		}
		if _, err := s.Get(ctx, "f/cancelled"); !cumulus.IsNotFound(err) {
			t.Fatalf("a cancelled Put left a readable blob: %v", err)
		}
	})

	t.Run("BadKeysRefused", func(t *testing.T) {
		s := newStore(t)
		for _, key := range []string{"", "../escape", "a/../../etc/passwd", "/abs", "a//b", "UPPER", "sp ace", "a/./b", "a\\b", "a/"} {
			if _, err := s.Put(ctx, key, strings.NewReader("x")); err == nil {
				t.Errorf("Put(%q) accepted a bad key", key)
			}
		}
	})

	t.Run("PutCache", func(t *testing.T) {
		s := newStore(t)
		cp, ok := s.(cumulus.CachePutter)
		if !ok {
			t.Skip("store has no PutCache")
		}
		if _, err := cp.PutCache(ctx, "derived/ab/x", strings.NewReader("rendition")); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, "derived/ab/x"); string(got) != "rendition" {
			t.Fatalf("PutCache then Get = %q", got)
		}
		r := io.MultiReader(strings.NewReader("half"), failingReader{})
		if _, err := cp.PutCache(ctx, "derived/ab/y", r); err == nil {
			t.Fatal("PutCache from a failing reader succeeded")
		}
		if _, err := s.Get(ctx, "derived/ab/y"); !cumulus.IsNotFound(err) {
			t.Fatalf("a failed PutCache left a readable blob: %v", err)
		}
	})

	t.Run("ConcurrentPutsOfOneKey", func(t *testing.T) {
		s := newStore(t)
		a, b := bytes.Repeat([]byte("a"), 100_000), bytes.Repeat([]byte("b"), 100_000)
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				data := a
				if i%2 == 1 {
					data = b
				}
				if _, err := s.Put(ctx, "c/same", bytes.NewReader(data)); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		got := readAll(t, s, "c/same")
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("concurrent puts produced a mixed blob of %d bytes", len(got))
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func put(t *testing.T, s cumulus.BlobStore, key string, data []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), key, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func readAll(t *testing.T, s cumulus.BlobStore, key string) []byte {
	t.Helper()
	b, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
