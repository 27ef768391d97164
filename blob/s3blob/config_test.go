package s3blob_test

import (
	"strings"
	"testing"

	"github.com/cumulusmedia/cumulus/blob/s3blob"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name string
		url  string
		want s3blob.Config
		err  string // part of the error; empty when the URL is good
	}{
		{name: "MinIOOnLoopback", url: "s3://minio:secret123@127.0.0.1:9000/media?tls=false",
			want: s3blob.Config{Endpoint: "127.0.0.1:9000", Bucket: "media", AccessKey: "minio", SecretKey: "secret123"}},
		{name: "AWSWithPrefixAndRegion", url: "s3://AKIAEXAMPLE:wJal%2FrXU%2Bt@s3.eu-west-1.amazonaws.com/acme-media/cumulus/prod?region=eu-west-1",
			want: s3blob.Config{Endpoint: "s3.eu-west-1.amazonaws.com", Bucket: "acme-media", Prefix: "cumulus/prod",
				AccessKey: "AKIAEXAMPLE", SecretKey: "wJal/rXU+t", Region: "eu-west-1", UseTLS: true}},
		{name: "KeysFromEnvironment", url: "s3://rgw.internal/blobs/",
			want: s3blob.Config{Endpoint: "rgw.internal", Bucket: "blobs", UseTLS: true}},
		{name: "PartSize", url: "s3://k:s@h/bkt?part_size=67108864",
			want: s3blob.Config{Endpoint: "h", Bucket: "bkt", AccessKey: "k", SecretKey: "s", UseTLS: true, PartSize: 64 << 20}},
		{name: "WrongScheme", url: "https://k:s@h/b", err: `scheme "https"`},
		{name: "NoBucket", url: "s3://k:s@h/", err: "no bucket"},
		{name: "NoHost", url: "s3:///bucket", err: "no host"},
		{name: "KeyWithoutSecret", url: "s3://k@h/bkt", err: "no secret"},
		{name: "UnknownParameter", url: "s3://k:s@h/bkt?tsl=false", err: `unknown URL parameter "tsl"`},
		{name: "BadTLS", url: "s3://k:s@h/bkt?tls=maybe", err: "tls="},
		{name: "PartTooSmall", url: "s3://k:s@h/bkt?part_size=1000", err: "part size"},
		{name: "BadBucketName", url: "s3://k:s@h/Bad_Bucket", err: "bucket"},
		{name: "BadPrefix", url: "s3://k:s@h/bkt/Up/../x", err: "prefix"},
		{name: "MalformedHidesSecret", url: "s3://k:hunter2@h:port/bkt%zz", err: "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s3blob.ParseURL(c.url)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseURL(%q) error %v, want one saying %q", c.url, err, c.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error %q shows the secret", err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseURL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
			}
		})
	}
}

// Validate names every mistake, not just the first.
func TestValidateReportsAll(t *testing.T) {
	err := s3blob.Config{Endpoint: "http://h", Bucket: "x", AccessKey: "k", PartSize: 1}.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad config")
	}
	for _, want := range []string{"endpoint", "bucket", "secret key", "part size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %q, missing the %s mistake", err, want)
		}
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"originals/ab/abcdef": true, "d/x.jpg": true, "a-b_c.d": true,
		"": false, "../x": false, "a//b": false, "a/./b": false, "A": false, "a b": false, "a/": false, "/a": false,
		strings.Repeat("a", 513): false,
	} {
		if got := s3blob.ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

// FuzzParseURL checks that no input panics, and that an accepted URL gives
// a config that validates and names a bucket and an endpoint.
func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"s3://minio:secret@127.0.0.1:9000/media?tls=false",
		"s3://AK:S%2F@s3.amazonaws.com/b/p/q?region=us-east-1&part_size=5242880",
		"s3://h/b", "s3:///", "s3://k@h/bkt", "s3://[::1]:9000/b", "s3://h/b?tls=1&tls=0", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := s3blob.ParseURL(raw)
		if err != nil {
			return
		}
		if c.Endpoint == "" || c.Bucket == "" {
			t.Fatalf("ParseURL(%q) accepted %+v without endpoint or bucket", raw, c)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseURL(%q) returned a config that does not validate: %v", raw, err)
		}
	})
}
