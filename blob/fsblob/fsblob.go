// Package fsblob is a cumulus.BlobStore on a local folder.
//
// Writes are crash-safe: the bytes go to a temporary file in the target
// folder, which is fsynced, renamed into place, and then the folder itself
// is fsynced, so after Put returns the blob survives a power cut and no
// reader ever sees a partial blob. All file access goes through an os.Root,
// so no key can reach outside the store's folder.
package fsblob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// Store keeps blobs as files below one folder.
type Store struct {
	root *os.Root
	dir  string
}

// Open opens (creating it if needed) a store in dir. Close releases it.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	return &Store{root: root, dir: dir}, nil
}

// Close releases the store's folder handle.
func (s *Store) Close() error { return s.root.Close() }

// ValidKey reports whether key is a well-formed blob key: segments of
// [a-z0-9._-] separated by single '/', none of them "." or "..".
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".tmp-") {
			return false
		}
		for _, c := range []byte(seg) {
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
			if !ok {
				return false
			}
		}
	}
	return true
}

func checkKey(op, key string) error {
	if !ValidKey(key) {
		return &cumulus.Error{Kind: cumulus.Internal, Op: op, Err: fmt.Errorf("invalid blob key %q", key)}
	}
	return nil
}

// Put implements cumulus.BlobStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "fsblob.Put", key, r, true)
}

// PutCache implements cumulus.CachePutter: like Put, but the folder is not
// fsynced after the rename. The bytes are still synced before the rename,
// so a crash can lose the blob (it is rebuilt) but never leave a partial
// one under its name.
func (s *Store) PutCache(ctx context.Context, key string, r io.Reader) (int64, error) {
	return s.put(ctx, "fsblob.PutCache", key, r, false)
}

func (s *Store) put(ctx context.Context, op, key string, r io.Reader, syncDir bool) (int64, error) {
	if err := checkKey(op, key); err != nil {
		return 0, err
	}
	dir := path.Dir(key)
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := path.Join(dir, ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		// The first blob of this folder: make it (rarely needed, so not
		// paid on every Put).
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			return 0, cumulus.Wrap(op, err)
		}
		f, err = s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	}
	if err != nil {
		return 0, cumulus.Wrap(op, err)
	}
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.root.Rename(tmp, key)
	}
	if err == nil && syncDir {
		err = s.syncDir(dir)
	}
	if err != nil {
		s.root.Remove(tmp)
		return 0, cumulus.Wrap(op, err)
	}
	return n, nil
}

// syncDir makes a rename in dir durable.
func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements cumulus.BlobStore. The returned blob is an *os.File
// underneath, so net/http can send it with sendfile.
func (s *Store) Get(ctx context.Context, key string) (cumulus.Blob, error) {
	const op = "fsblob.Get"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, notFound(op, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, cumulus.Wrap(op, err)
	}
	return &File{File: f, size: fi.Size(), mod: fi.ModTime()}, nil
}

// Stat implements cumulus.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	const op = "fsblob.Stat"
	if err := checkKey(op, key); err != nil {
		return 0, err
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return 0, notFound(op, key, err)
	}
	return fi.Size(), nil
}

// Delete implements cumulus.BlobStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "fsblob.Delete"
	if err := checkKey(op, key); err != nil {
		return err
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return cumulus.Wrap(op, err)
	}
	return nil
}

// Keys calls fn for every stored blob key with its modification time, for
// garbage collection of orphans. Temporary files are skipped.
func (s *Store) Keys(ctx context.Context, fn func(key string, mod time.Time) error) error {
	return fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !ValidKey(p) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		return fn(p, fi.ModTime())
	})
}

func notFound(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &cumulus.Error{Kind: cumulus.NotFound, Op: op, Message: "blob not found", Err: err}
	}
	return cumulus.Wrap(op, err)
}

// File is a stored blob opened for reading.
type File struct {
	*os.File
	size int64
	mod  time.Time
}

// Size returns the blob's length in bytes.
func (f *File) Size() int64 { return f.size }

// ModTime returns when the blob was written.
func (f *File) ModTime() time.Time { return f.mod }

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

var (
	_ cumulus.BlobStore   = (*Store)(nil)
	_ cumulus.CachePutter = (*Store)(nil)
)

// OSFile returns the underlying file, so that net/http can send it with
// sendfile. The blob still owns it.
func (f *File) OSFile() *os.File { return f.File }
