package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/signing"
	"github.com/cumulusmedia/cumulus/upload"
)

func TestPublicIDFor(t *testing.T) {
	cases := []struct{ folder, rel, want string }{
		{"", "shoe.jpg", "shoe"},
		{"shop", "shoe.JPG", "shop/shoe"},
		{"/shop/", "men/boots/a.png", "shop/men/boots/a"},
		{"", "docs/manual.txt", "docs/manual.txt"},
		{"", "clip.mp4", "clip"},
		{"", "archive.tar.gz", "archive.tar.gz"},
		{"x", ".png", "x/.png"},
		{"", "no-extension", "no-extension"},
	}
	for _, tc := range cases {
		t.Run(tc.rel, func(t *testing.T) {
			if got := publicIDFor(tc.folder, tc.rel); got != tc.want {
				t.Fatalf("publicIDFor(%q, %q) = %q, want %q", tc.folder, tc.rel, got, tc.want)
			}
		})
	}
}

func TestCollectFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.png", "sub/b.jpg", "sub/deep/c.txt", ".git/config", "sub/.DS_Store"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(p), 0o644)
	}
	files, err := collectFiles([]string{dir}, "site")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, f.publicID)
	}
	want := []string{"site/a", "site/sub/b", "site/sub/deep/c.txt"}
	if !reflect.DeepEqual(ids, want) {
		t.Fatalf("public IDs %v, want %v (hidden files left out)", ids, want)
	}
	os.WriteFile(filepath.Join(dir, "a.jpg"), []byte("x"), 0o644)
	if _, err := collectFiles([]string{dir}, ""); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("a.png and a.jpg share a public ID, got err %v", err)
	}
}

func TestEncodeContextRoundTrips(t *testing.T) {
	cases := []map[string]string{
		{"alt": "A shoe"},
		{"caption": "a=b|c", "k|ey": `back\slash`},
		{"empty": ""},
	}
	for _, m := range cases {
		enc := encodeContext(m)
		if got := upload.ParseContext(enc); !reflect.DeepEqual(got, m) {
			t.Errorf("encodeContext(%v) = %q parses back as %v", m, enc, got)
		}
	}
}

func TestOriginalURL(t *testing.T) {
	src := &apiClient{cloud: "demo", secret: "sekret", base: "http://127.0.0.1:1"}
	cases := []struct {
		name string
		a    listedAsset
		want string
	}{
		{"public", listedAsset{PublicID: "a/b", ResourceType: "image", Type: "upload", Format: "png", URL: "http://h/demo/image/upload/v5/a/b.png", SecureURL: "https://h/demo/image/upload/v5/a/b.png"},
			"http://h/demo/image/upload/v5/a/b.png"},
		{"private is signed", listedAsset{PublicID: "a/b", ResourceType: "image", Type: "private", Format: "png", URL: "http://h/demo/image/private/v5/a/b.png"},
			"http://h/demo/image/private/s--" + signing.URLSignature("a/b.png", "sekret", signing.SHA1, false) + "--/v5/a/b.png"},
		{"raw keeps its name", listedAsset{PublicID: "f.txt", ResourceType: "raw", Type: "authenticated", URL: "http://h/demo/raw/authenticated/v5/f.txt"},
			"http://h/demo/raw/authenticated/s--" + signing.URLSignature("f.txt", "sekret", signing.SHA1, false) + "--/v5/f.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := originalURL(src, tc.a)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNewClient(t *testing.T) {
	cases := []struct {
		url, host       string
		wantBase, cloud string
		wantErr         bool
	}{
		{"cloudinary://k:s@demo", "", "https://api.cloudinary.com", "demo", false},
		{"cloudinary://k:s@demo?upload_prefix=http://127.0.0.1:8080/", "", "http://127.0.0.1:8080", "demo", false},
		{"cloudinary://k:s@demo?upload_prefix=http://a", "http://b:1", "http://b:1", "demo", false},
		{"cloudinary://k@demo", "", "", "", true},
		{"https://k:s@demo", "", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			c, err := newClient(tc.url, tc.host)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				if strings.Contains(err.Error(), ":s@") {
					t.Fatalf("the secret is in the error: %v", err)
				}
				return
			}
			if c.base != tc.wantBase || c.cloud != tc.cloud || c.key != "k" || c.secret != "s" {
				t.Fatalf("client %+v", c)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name       string
		tty        bool
		done, skip int
		bytes      int64
		after      time.Duration
		want       string
	}{
		{"start, plain", false, 0, 0, 0, 0, "upload: 0/10 files  0 B/10.0 KB"},
		{"halfway, plain", false, 5, 1, 5 << 10, 5 * time.Second, "upload: 5/10 files  5.0 KB/10.0 KB  1.0 KB/s  ETA 5s  (1 skipped, 0 failed)"},
		{"halfway, terminal", true, 5, 0, 5 << 10, 5 * time.Second, "upload [############............] 5/10 files  5.0 KB/10.0 KB  1.0 KB/s  ETA 5s"},
		{"finished, terminal", true, 10, 0, 10 << 10, 5 * time.Second, "upload [########################] 10/10 files  10.0 KB/10.0 KB  2.0 KB/s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProgress(nil, tc.tty, "upload", "files", time.Second)
			p.start = t0
			p.SetTotal(10, 10<<10)
			for i := 0; i < tc.done; i++ {
				p.Done(i < tc.skip, false)
			}
			p.Add(tc.bytes)
			if got := p.line(t0.Add(tc.after)); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KB", 1536 << 10: "1.5 MB", 3 << 30: "3.0 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
