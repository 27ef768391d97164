// Package s3blob is a cumulus.BlobStore on an S3-compatible object store
// (AWS S3, MinIO, Ceph RGW), through the minio-go client.
//
// A blob is one object, named by an optional prefix and the blob key. Put
// never makes part of a blob visible: S3 shows an object only once its
// single PUT, or the completion of its multipart upload, has succeeded.
// Put streams: it holds at most one part (Config.PartSize) of the blob in
// memory, sends a blob that fits in one part as a single PUT and a larger
// one as a multipart upload, and aborts the upload when anything fails.
// Uploads a crashed node leaves behind are removed by AbortStaleUploads, or
// by a lifecycle rule on the bucket.
package s3blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Part sizes S3 accepts: every part but the last is at least 5 MiB, and
// none is over 5 GiB; an upload has at most 10,000 parts.
const (
	MinPartSize     = 5 << 20
	MaxPartSize     = 5 << 30
	DefaultPartSize = 16 << 20
	maxParts        = 10_000
)

// Store keeps blobs as objects in one bucket.
type Store struct {
	client *minio.Client
	cfg    Config
	bufs   sync.Pool // *[]byte of cfg.PartSize: one part in flight per Put
}

// Open connects to the store cfg describes, creating the bucket when it does
// not exist yet (which needs the s3:CreateBucket permission only then).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	if cfg.AccessKey == "" {
		// The environment's keys, as the AWS and MinIO tools read them. No
		// instance-metadata lookup: that would reach outside this machine.
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}})
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.UseTLS, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("s3blob: %w", err)
	}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3blob: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !exists {
		if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			// Another node may have created it meanwhile.
			if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return nil, fmt.Errorf("s3blob: bucket %s does not exist and creating it failed: %w", cfg.Bucket, err)
			}
		}
	}
	s := &Store{client: client, cfg: cfg}
	s.bufs.New = func() any { b := make([]byte, cfg.PartSize); return &b }
	return s, nil
}

// Client exposes the minio-go client to tests and maintenance tools.
func (s *Store) Client() *minio.Client { return s.client }

// Bucket returns the bucket the store keeps its objects in.
func (s *Store) Bucket() string { return s.cfg.Bucket }

// ObjectName returns the name in the bucket of the blob stored under key.
func (s *Store) ObjectName(key string) string {
	if s.cfg.Prefix == "" {
		return key
	}
	return s.cfg.Prefix + "/" + key
}

// ValidKey reports whether key is a well-formed blob key: segments of
// [a-z0-9._-] separated by single '/', none of them "." or "..".
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
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
	const op = "s3blob.Put"
	if err := checkKey(op, key); err != nil {
		return 0, err
	}
	bp := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(bp)
	buf := *bp
	r = ctxReader{ctx, r}
	n, err := io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		// The whole blob is in buf: one PUT.
		info, err := s.client.PutObject(ctx, s.cfg.Bucket, s.ObjectName(key), bytes.NewReader(buf[:n]), int64(n),
			minio.PutObjectOptions{DisableMultipart: true, SendContentMd5: true})
		if err != nil {
			return 0, cumulus.Wrap(op, err)
		}
		return info.Size, nil
	case err != nil:
		return 0, cumulus.Wrap(op, err)
	}
	total, err := s.putMultipart(ctx, s.ObjectName(key), buf, r)
	return total, cumulus.Wrap(op, err)
}

// putMultipart uploads buf, which is full, and then the rest of r, one
// part at a time through buf, and completes the upload only when r has
// ended cleanly; on any failure it aborts the upload.
func (s *Store) putMultipart(ctx context.Context, object string, buf []byte, r io.Reader) (total int64, err error) {
	core := minio.Core{Client: s.client}
	id, err := core.NewMultipartUpload(ctx, s.cfg.Bucket, object, minio.PutObjectOptions{})
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			// Detached from ctx: a cancelled request must still abort, or
			// its parts stay billed until AbortStaleUploads.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			core.AbortMultipartUpload(actx, s.cfg.Bucket, object, id)
		}
	}()
	var parts []minio.CompletePart
	n := len(buf)
	for number := 1; ; number++ {
		if number > maxParts {
			return 0, fmt.Errorf("blob larger than %d parts of %d bytes", maxParts, len(buf))
		}
		sum := md5.Sum(buf[:n])
		p, err := core.PutObjectPart(ctx, s.cfg.Bucket, object, id, number, bytes.NewReader(buf[:n]), int64(n),
			minio.PutObjectPartOptions{Md5Base64: base64.StdEncoding.EncodeToString(sum[:])})
		if err != nil {
			return 0, fmt.Errorf("part %d: %w", number, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: number, ETag: p.ETag})
		total += int64(n)
		n, err = io.ReadFull(r, buf)
		if err == io.EOF {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return 0, err
		}
	}
	if _, err := core.CompleteMultipartUpload(ctx, s.cfg.Bucket, object, id, parts, minio.PutObjectOptions{}); err != nil {
		return 0, fmt.Errorf("complete: %w", err)
	}
	return total, nil
}

// Get implements cumulus.BlobStore. The blob reads through ctx, so it
// must not outlive the request that opened it.
func (s *Store) Get(ctx context.Context, key string) (cumulus.Blob, error) {
	const op = "s3blob.Get"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.ObjectName(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(op, err)
	}
	// GetObject sends nothing yet; Stat makes a missing key fail here
	// rather than on the first Read.
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, notFound(op, err)
	}
	return &Object{Object: obj, size: info.Size, mod: info.LastModified}, nil
}

// Stat implements cumulus.BlobStore.
func (s *Store) Stat(ctx context.Context, key string) (int64, error) {
	const op = "s3blob.Stat"
	if err := checkKey(op, key); err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, s.ObjectName(key), minio.StatObjectOptions{})
	if err != nil {
		return 0, notFound(op, err)
	}
	return info.Size, nil
}

// Delete implements cumulus.BlobStore.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "s3blob.Delete"
	if err := checkKey(op, key); err != nil {
		return err
	}
	// S3 answers a delete of a missing object with success.
	return cumulus.Wrap(op, s.client.RemoveObject(ctx, s.cfg.Bucket, s.ObjectName(key), minio.RemoveObjectOptions{}))
}

// Keys calls fn for every stored blob key with its modification time, for
// garbage collection of orphans, stopping at fn's first error. Objects
// under the prefix whose names are not blob keys are skipped.
func (s *Store) Keys(ctx context.Context, fn func(key string, mod time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn fails
	prefix := ""
	if s.cfg.Prefix != "" {
		prefix = s.cfg.Prefix + "/"
	}
	for obj := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return cumulus.Wrap("s3blob.Keys", obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, prefix)
		if !ValidKey(key) {
			continue
		}
		if err := fn(key, obj.LastModified); err != nil {
			return err
		}
	}
	return cumulus.Wrap("s3blob.Keys", ctx.Err())
}

// AbortStaleUploads aborts the incomplete multipart uploads under the
// store's prefix that were started more than olderThan ago (a node died
// mid-upload), freeing their parts, and returns how many it aborted.
// Choose olderThan well above the longest upload, or it aborts live ones.
//
// MinIO lists only the uploads its running process started; those left
// from before a restart it expires itself (api stale_uploads_expiry).
func (s *Store) AbortStaleUploads(ctx context.Context, olderThan time.Duration) (int, error) {
	const op = "s3blob.AbortStaleUploads"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prefix := ""
	if s.cfg.Prefix != "" {
		prefix = s.cfg.Prefix + "/"
	}
	cutoff := time.Now().Add(-olderThan)
	core := minio.Core{Client: s.client}
	var aborted int
	var errs []error
	// An empty listing prefix, filtered here: MinIO treats a non-empty one
	// as an exact object name.
	for up := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, "", true) {
		if up.Err != nil {
			return aborted, cumulus.Wrap(op, up.Err)
		}
		if !strings.HasPrefix(up.Key, prefix) || !up.Initiated.Before(cutoff) {
			continue
		}
		if err := core.AbortMultipartUpload(ctx, s.cfg.Bucket, up.Key, up.UploadID); err != nil {
			if minio.ToErrorResponse(err).Code != "NoSuchUpload" { // completed or aborted meanwhile
				errs = append(errs, fmt.Errorf("%s: %w", up.Key, err))
			}
			continue
		}
		aborted++
	}
	return aborted, cumulus.Wrap(op, errors.Join(errs...))
}

func notFound(op string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket" {
		return &cumulus.Error{Kind: cumulus.NotFound, Op: op, Message: "blob not found", Err: err}
	}
	return cumulus.Wrap(op, err)
}

// Object is a stored blob opened for reading. Reads and seeks go to the
// object store as ranged GETs.
type Object struct {
	*minio.Object
	size int64
	mod  time.Time
}

// Size returns the blob's length in bytes.
func (o *Object) Size() int64 { return o.size }

// ModTime returns when the blob was written.
func (o *Object) ModTime() time.Time { return o.mod }

// ctxReader stops a long upload when the request is cancelled.
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

var _ cumulus.BlobStore = (*Store)(nil)
