package upload

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/sniff"
)

// Spool is an uploaded file being written to a local temporary file while
// its hashes are computed, so the upload never holds a whole file in memory
// and the content address is known when the last byte arrives.
type Spool struct {
	f        *os.File
	size     int64
	limit    int64
	sha, md  hash.Hash
	head     []byte
	Filename string // the name the client gave the file, if any
}

// NewSpool creates a spool in dir that refuses more than limit bytes.
// The caller must Close it, which removes the temporary file.
func NewSpool(dir string, limit int64) (*Spool, error) {
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, cumulus.Wrap("upload.NewSpool", err)
	}
	return &Spool{f: f, limit: limit, sha: sha256.New(), md: md5.New()}, nil
}

// Write implements io.Writer. Past the limit it fails with Cloudinary's
// "File size too large" error.
func (s *Spool) Write(p []byte) (int, error) {
	if s.size+int64(len(p)) > s.limit {
		return 0, cumulus.Errorf(cumulus.Invalid, "upload", "File size too large. Got %d. Maximum is %d.", s.size+int64(len(p)), s.limit)
	}
	n, err := s.f.Write(p)
	s.sha.Write(p[:n])
	s.md.Write(p[:n])
	if len(s.head) < sniff.HeadSize {
		s.head = append(s.head, p[:min(n, sniff.HeadSize-len(s.head))]...)
	}
	s.size += int64(n)
	return n, err
}

// ReadFrom copies r into the spool.
func (s *Spool) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{s}, r)
}

// Size is the number of bytes written so far.
func (s *Spool) Size() int64 { return s.size }

// SHA256 and MD5 return the hex digests of what was written.
func (s *Spool) SHA256() string { return hex.EncodeToString(s.sha.Sum(nil)) }

// MD5 returns the hex MD5 of what was written (Cloudinary's etag).
func (s *Spool) MD5() string { return hex.EncodeToString(s.md.Sum(nil)) }

// Head returns the first bytes, for format detection.
func (s *Spool) Head() []byte { return s.head }

// File returns the temporary file, for reading back.
func (s *Spool) File() *os.File { return s.f }

// Close removes the temporary file.
func (s *Spool) Close() error {
	s.f.Close()
	return os.Remove(s.f.Name())
}
