package s3blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/blob/blobtest"
	"github.com/cumulusmedia/cumulus/blob/s3blob"
	"github.com/cumulusmedia/cumulus/internal/testenv"
	"github.com/minio/minio-go/v7"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newStore opens a store on a new bucket of the test MinIO, under a prefix
// so that the prefix handling is exercised too.
func newStore(t *testing.T, partSize int64) *s3blob.Store {
	t.Helper()
	endpoint, access, secret := testenv.MinIO(t)
	var b [6]byte
	rand.Read(b[:])
	s, err := s3blob.Open(context.Background(), s3blob.Config{
		Endpoint: endpoint, AccessKey: access, SecretKey: secret,
		Bucket: "test-" + hex.EncodeToString(b[:]), Prefix: "site/one", PartSize: partSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHeavyS3Conformance(t *testing.T) {
	testenv.MinIO(t) // skip or fail once here, not in every subtest
	blobtest.Run(t, func(t *testing.T) cumulus.BlobStore { return newStore(t, 0) })
}

// A blob larger than a part goes up as a multipart upload and comes back
// whole, seekable across part boundaries.
func TestHeavyS3Multipart(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, s3blob.MinPartSize)
	cases := []struct {
		name  string
		size  int
		parts string // the ETag's suffix: S3 marks a multipart object "-N"
	}{
		{"UnderOnePart", s3blob.MinPartSize - 1, ""},
		{"ExactlyOnePart", s3blob.MinPartSize, "-1"}, // a full buffer cannot tell it is the end
		{"OneByteOver", s3blob.MinPartSize + 1, "-2"},
		{"ThreeParts", 2*s3blob.MinPartSize + 12345, "-3"},
		{"Empty", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := make([]byte, c.size)
			rand.Read(data)
			// A reader that hides its length, as a request body does.
			n, err := s.Put(ctx, "big/"+strings.ToLower(c.name), struct{ io.Reader }{bytes.NewReader(data)})
			if err != nil || n != int64(c.size) {
				t.Fatalf("Put = %d, %v; want %d", n, err, c.size)
			}
			info, err := s.Client().StatObject(ctx, s.Bucket(), s.ObjectName("big/"+strings.ToLower(c.name)), minio.StatObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			suffix := ""
			if i := strings.LastIndexByte(info.ETag, '-'); i >= 0 {
				suffix = info.ETag[i:]
			}
			if suffix != c.parts {
				t.Fatalf("ETag %q: want a %q suffix (parts uploaded)", info.ETag, c.parts)
			}
			b, err := s.Get(ctx, "big/"+strings.ToLower(c.name))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Size() != int64(c.size) || time.Since(b.ModTime()) > time.Hour {
				t.Fatalf("Size %d, ModTime %v; want %d, just now", b.Size(), b.ModTime(), c.size)
			}
			got, err := io.ReadAll(b)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes (%v), differing from the %d put", len(got), err, c.size)
			}
			if c.size > 10 {
				off := int64(c.size - 10)
				if _, err := b.Seek(off, io.SeekStart); err != nil {
					t.Fatal(err)
				}
				tail, _ := io.ReadAll(b)
				if !bytes.Equal(tail, data[off:]) {
					t.Fatalf("after Seek(%d) read %x, want %x", off, tail, data[off:])
				}
			}
		})
	}
}

// A reader failing after two parts were uploaded leaves neither an object
// nor an incomplete upload behind.
func TestHeavyS3FailedMultipartLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, s3blob.MinPartSize)
	r := io.MultiReader(bytes.NewReader(make([]byte, 2*s3blob.MinPartSize+100)), failing{})
	if _, err := s.Put(ctx, "half/blob", r); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if _, err := s.Get(ctx, "half/blob"); !cumulus.IsNotFound(err) {
		t.Fatalf("Get after a failed multipart Put: %v, want NotFound", err)
	}
	if ups := incomplete(t, s); len(ups) != 0 {
		t.Fatalf("incomplete uploads left: %v", ups)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("client went away") }

func incomplete(t *testing.T, s *s3blob.Store) []string {
	t.Helper()
	var keys []string
	for up := range s.Client().ListIncompleteUploads(context.Background(), s.Bucket(), "", true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		keys = append(keys, up.Key)
	}
	return keys
}

func TestHeavyS3AbortStaleUploads(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, 0)
	core := minio.Core{Client: s.Client()}
	// A node that died mid-upload leaves this behind.
	start := func(object string) {
		t.Helper()
		id, err := core.NewMultipartUpload(ctx, s.Bucket(), object, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := core.PutObjectPart(ctx, s.Bucket(), object, id, 1, strings.NewReader("part one"), 8, minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	start(s.ObjectName("orphan/a"))
	start(s.ObjectName("orphan/b"))
	start("other-installation/c") // outside the prefix: not ours to abort

	steps := []struct {
		name      string
		olderThan time.Duration
		aborted   int
		left      int
	}{
		{"RecentUploadsKept", time.Hour, 0, 3},
		{"StaleUploadsAborted", 0, 2, 1},
		{"NothingLeftToAbort", 0, 0, 1},
	}
	for _, st := range steps {
		if st.olderThan == 0 {
			time.Sleep(10 * time.Millisecond) // "older than 0" means started before now
		}
		n, err := s.AbortStaleUploads(ctx, st.olderThan)
		if err != nil || n != st.aborted {
			t.Fatalf("%s: AbortStaleUploads = %d, %v; want %d", st.name, n, err, st.aborted)
		}
		if left := incomplete(t, s); len(left) != st.left {
			t.Fatalf("%s: %d uploads left (%v), want %d", st.name, len(left), left, st.left)
		}
	}
}

func TestHeavyS3Keys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, 0)
	for _, k := range []string{"originals/ab/x", "derived/cd/y.jpg"} {
		if _, err := s.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	// Objects outside the prefix, or not named like blobs, are not blobs.
	s.Client().PutObject(ctx, s.Bucket(), "elsewhere/z", strings.NewReader("z"), 1, minio.PutObjectOptions{})
	s.Client().PutObject(ctx, s.Bucket(), s.ObjectName("Bad Name"), strings.NewReader("z"), 1, minio.PutObjectOptions{})
	got := map[string]bool{}
	err := s.Keys(ctx, func(key string, mod time.Time) error {
		if time.Since(mod) > time.Hour {
			t.Errorf("%s: mod time %v", key, mod)
		}
		got[key] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["originals/ab/x"] || !got["derived/cd/y.jpg"] {
		t.Fatalf("Keys = %v, want the two blobs", got)
	}
	stop := errors.New("enough")
	calls := 0
	if err := s.Keys(ctx, func(string, time.Time) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Keys after fn failed: %v after %d calls, want fn's error after 1", err, calls)
	}
}
