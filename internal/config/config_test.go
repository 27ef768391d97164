package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"addr":"127.0.0.1:1","data":"/from/file","max_age":"1h"}`), 0o644)
	c, err := Load([]string{"--config", file, "--addr", "127.0.0.1:3"}, env(map[string]string{
		"CUMULUS_ADDR": "127.0.0.1:2", "CUMULUS_MAX_AGE": "2h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:3" || c.DataDir != "/from/file" || time.Duration(c.MaxAge) != 2*time.Hour {
		t.Fatalf("got %+v: want flag > env > file > default", c)
	}
}

func TestStrictFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"adr":"typo"}`), 0o644)
	if _, err := Load([]string{"--config", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("unknown key: %v, want an error naming it", err)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Addr, c.PublicURL, c.LogLevel, c.CloudinaryURL = "", "ftp://x", "loud", "http://nope"
	err := c.Validate()
	for _, want := range []string{"addr", "public_url", "log_level", "CLOUDINARY_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
}

func TestParseCloudinaryURL(t *testing.T) {
	c, err := ParseCloudinaryURL("cloudinary://123:abc@demo?secure=true")
	if err != nil || c != (Credentials{"demo", "123", "abc"}) {
		t.Fatalf("got %+v, %v", c, err)
	}
	for _, bad := range []string{"", "cloudinary://demo", "cloudinary://k@demo", "https://k:s@demo"} {
		if _, err := ParseCloudinaryURL(bad); err == nil {
			t.Errorf("ParseCloudinaryURL(%q) accepted", bad)
		}
	}
}

func TestBackends(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(file, []byte(`{"store":"postgres://file@db/c","blobs":"s3://k:s@file:9000/bucket"}`), 0o644)
	cases := []struct {
		name       string
		args       []string
		env        map[string]string
		store      string
		blobs      string
		postgres   bool
		s3         bool
		wantErr    string // part of the error; "" for none
		hiddenText string // must not appear in the error
	}{
		{name: "Defaults", store: "sqlite", blobs: "fs"},
		{name: "File", args: []string{"--config", file}, store: "postgres://file@db/c", blobs: "s3://k:s@file:9000/bucket", postgres: true, s3: true},
		{name: "EnvironmentOverFile", args: []string{"--config", file},
			env:   map[string]string{"CUMULUS_STORE": "postgresql://env@db/c", "CUMULUS_BLOBS": "fs"},
			store: "postgresql://env@db/c", blobs: "fs", postgres: true},
		{name: "FlagsOverEnvironment", args: []string{"--store", "sqlite", "--blobs", "s3://k:s@flag/bucket/pre?region=eu"},
			env:   map[string]string{"CUMULUS_STORE": "postgres://env@db/c"},
			store: "sqlite", blobs: "s3://k:s@flag/bucket/pre?region=eu", s3: true},
		{name: "UnknownStore", args: []string{"--store", "mysql://root:hunter2@db/c"}, wantErr: `store "mysql://…"`, hiddenText: "hunter2"},
		{name: "UnknownBlobs", args: []string{"--blobs", "gcs"}, wantErr: `blobs "gcs"`},
		{name: "BadS3URL", args: []string{"--blobs", "s3://k:hunter2@host/bucket?colour=blue"}, wantErr: "colour", hiddenText: "hunter2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(c.args, env(c.env))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Load: %v, want an error with %q", err, c.wantErr)
				}
				if c.hiddenText != "" && strings.Contains(err.Error(), c.hiddenText) {
					t.Fatalf("error %q shows the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Store != c.store || cfg.Blobs != c.blobs || cfg.IsPostgres() != c.postgres || cfg.IsS3() != c.s3 {
				t.Fatalf("store %q (postgres %v), blobs %q (s3 %v); want %q (%v), %q (%v)",
					cfg.Store, cfg.IsPostgres(), cfg.Blobs, cfg.IsS3(), c.store, c.postgres, c.blobs, c.s3)
			}
		})
	}
}
