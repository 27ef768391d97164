package s3blob

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Config says where the blobs are kept.
type Config struct {
	// Endpoint is the service's host[:port], without scheme: s3.amazonaws.com,
	// s3.eu-west-1.amazonaws.com, minio.internal:9000.
	Endpoint string
	// Bucket holds the objects; Open creates it when missing.
	Bucket string
	// AccessKey and SecretKey sign requests. Left empty, they come from the
	// environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else
	// MINIO_ROOT_USER/MINIO_ROOT_PASSWORD.
	AccessKey, SecretKey string
	// Region is the bucket's region; empty asks the service.
	Region string
	// UseTLS speaks HTTPS to Endpoint.
	UseTLS bool
	// Prefix, when set, is the folder of the bucket the blobs are kept in,
	// so one bucket can serve several installations.
	Prefix string
	// PartSize is the size of a multipart upload's parts and the largest
	// blob sent as a single PUT; each Put in flight holds one part in memory.
	// Zero means DefaultPartSize; the blob limit is 10,000 parts.
	PartSize int64
}

// Validate reports every mistake in c at once.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.Endpoint == "":
		errs = append(errs, errors.New("s3blob: no endpoint"))
	case strings.Contains(c.Endpoint, "://") || strings.ContainsAny(c.Endpoint, "/?#@ "):
		errs = append(errs, fmt.Errorf("s3blob: endpoint %q must be host[:port] without scheme or path", c.Endpoint))
	}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		errs = append(errs, fmt.Errorf("s3blob: bucket %q: %w", c.Bucket, err))
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		errs = append(errs, errors.New("s3blob: access key and secret key go together"))
	}
	if p := strings.Trim(c.Prefix, "/"); p != "" && !ValidKey(p) {
		errs = append(errs, fmt.Errorf("s3blob: prefix %q: want segments of a-z, 0-9, '.', '_', '-' separated by '/'", c.Prefix))
	}
	if c.PartSize != 0 && (c.PartSize < MinPartSize || c.PartSize > MaxPartSize) {
		errs = append(errs, fmt.Errorf("s3blob: part size %d outside S3's %d to %d bytes", c.PartSize, MinPartSize, MaxPartSize))
	}
	return errors.Join(errs...)
}

// ParseURL reads a store URL of the form
//
//	s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix][?tls=false&region=R&part_size=BYTES]
//
// Keys are percent-encoded ('/' in a secret is %2F) and may be left out to
// take them from the environment; tls defaults to true. Unknown parameters
// are refused, so a misspelt one cannot pass unnoticed.
func ParseURL(raw string) (Config, error) {
	var c Config
	u, err := url.Parse(raw)
	if err != nil {
		// url's error quotes the URL, secret included.
		return c, errors.New("s3blob: malformed URL: want s3://KEY:SECRET@host:port/bucket/prefix")
	}
	if u.Scheme != "s3" {
		return c, fmt.Errorf("s3blob: URL scheme %q, want s3", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return c, errors.New("s3blob: URL has no host: want s3://KEY:SECRET@host:port/bucket/prefix")
	}
	c.Endpoint, c.UseTLS = u.Host, true
	if u.User != nil {
		c.AccessKey = u.User.Username()
		secret, ok := u.User.Password()
		if !ok {
			return c, errors.New("s3blob: URL has an access key but no secret key")
		}
		c.SecretKey = secret
	}
	path := strings.TrimPrefix(u.Path, "/")
	c.Bucket, c.Prefix, _ = strings.Cut(path, "/")
	c.Prefix = strings.TrimSuffix(c.Prefix, "/")
	if c.Bucket == "" {
		return c, errors.New("s3blob: URL names no bucket: want s3://KEY:SECRET@host:port/bucket/prefix")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, fmt.Errorf("s3blob: URL query: %w", err)
	}
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "tls":
			if c.UseTLS, err = strconv.ParseBool(v); err != nil {
				return c, fmt.Errorf("s3blob: tls=%q: want true or false", v)
			}
		case "region":
			c.Region = v
		case "part_size":
			if c.PartSize, err = strconv.ParseInt(v, 10, 64); err != nil || c.PartSize <= 0 {
				return c, fmt.Errorf("s3blob: part_size=%q: want a number of bytes", v)
			}
		default:
			return c, fmt.Errorf("s3blob: unknown URL parameter %q (known: tls, region, part_size)", name)
		}
	}
	return c, c.Validate()
}
