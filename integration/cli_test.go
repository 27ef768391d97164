package integration

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/admin/search"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// runCLI runs the cumulus binary with CLOUDINARY_URL naming env on s and
// returns stdout and stderr.
func runCLI(t *testing.T, cloudinaryURL string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "CLOUDINARY_URL="+cloudinaryURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (s *server) cliURL() string {
	return fmt.Sprintf("cloudinary://%s:%s@%s?upload_prefix=%s", s.Key, s.Secret, s.Cloud, s.URL)
}

// indexed is what the SDK's search sees of an asset.
type indexed struct {
	Type    string
	Tags    []string
	Context map[string]string
	Etag    string
	Width   int
	Height  int
}

// searchAll returns every asset matching expr, through the Go SDK.
func searchAll(t *testing.T, cld *cloudinary.Cloudinary, expr string) map[string]indexed {
	t.Helper()
	out := map[string]indexed{}
	cursor := ""
	for {
		res, err := cld.Admin.Search(context.Background(), search.Query{Expression: expr, MaxResults: 500, NextCursor: cursor,
			WithField: []search.WithField{search.TagsField, search.ContextField}})
		checkErr(t, "search", err, res.Error)
		for _, a := range res.Assets {
			tags := append([]string{}, a.Tags...)
			sort.Strings(tags)
			ctx := map[string]string{}
			for k, v := range a.Context {
				ctx[k] = fmt.Sprint(v)
			}
			out[a.PublicID] = indexed{Type: a.Type, Tags: tags, Context: ctx, Etag: a.Etag, Width: a.Width, Height: a.Height}
		}
		if cursor = res.NextCursor; cursor == "" {
			return out
		}
	}
}

// cumulus upload of a folder of 100 files keeps the folder structure,
// reports progress and a summary, and a rerun uploads nothing; a changed
// file is uploaded again.
func TestCLIUploadFolder(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	for i := 0; i < 100; i++ {
		_, b := pngFile(t, 10+i%7, 10+i%5, color.RGBA{uint8(i), uint8(2 * i), 200, 255})
		p := filepath.Join(dir, fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%03d.png", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	out, errOut, err := runCLI(t, s.cliURL(), "upload", dir, "--folder", "bulk", "--tags", "cli,batch", "--concurrency", "8", "--progress-every", "20ms")
	t.Logf("first upload of 100 files: %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("upload: %v\n%s\n%s", err, out, errOut)
	}
	if !strings.Contains(out, "Uploaded 100 files") || !strings.Contains(out, "0 skipped") || !strings.Contains(out, "0 failed") {
		t.Fatalf("summary: %s", out)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "upload: 0/100 files") || !strings.HasPrefix(lines[len(lines)-1], "upload: 100/100 files") {
		t.Fatalf("progress lines (not a terminal: plain lines):\n%s", errOut)
	}
	if strings.Contains(errOut, "\r") {
		t.Fatal("carriage returns in progress that is not on a terminal")
	}
	got := searchAll(t, s.sdk(t), "folder:bulk/*")
	if len(got) != 100 {
		t.Fatalf("%d assets under bulk/, want 100", len(got))
	}
	a, ok := got["bulk/d7/f017"]
	if !ok || !reflect.DeepEqual(a.Tags, []string{"batch", "cli"}) || a.Width != 10+17%7 {
		t.Fatalf("bulk/d7/f017 = %+v (present %v)", a, ok)
	}

	out, errOut, err = runCLI(t, s.cliURL(), "upload", dir, "--folder", "bulk", "--tags", "cli,batch")
	if err != nil || !strings.Contains(out, "Uploaded 0 files") || !strings.Contains(out, "100 skipped") {
		t.Fatalf("rerun: %v\n%s\n%s", err, out, errOut)
	}

	_, b := pngFile(t, 33, 33, color.RGBA{1, 2, 3, 255})
	os.WriteFile(filepath.Join(dir, "d3", "f003.png"), b, 0o644)
	out, _, err = runCLI(t, s.cliURL(), "upload", dir, "--folder", "bulk")
	if err != nil || !strings.Contains(out, "Uploaded 1 files") || !strings.Contains(out, "99 skipped") {
		t.Fatalf("after changing one file: %v\n%s", err, out)
	}
	if a := searchAll(t, s.sdk(t), "public_id=bulk/d3/f003")["bulk/d3/f003"]; a.Width != 33 {
		t.Fatalf("changed file not uploaded: %+v", a)
	}
}

// cumulus admin lists, searches, details, tags, deletes and reports usage.
func TestCLIAdmin(t *testing.T) {
	s := startServer(t)
	cld := s.sdk(t)
	red, _ := pngFile(t, 8, 6, color.RGBA{255, 0, 0, 255})
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "shop/shoe", Tags: []string{"sale"}})
	mustUpload(t, cld, red, uploader.UploadParams{PublicID: "logo"})
	cases := []struct {
		name string
		args []string
		want []string
		fail bool
	}{
		{"resources", []string{"admin", "resources"}, []string{"PUBLIC ID", "shop/shoe", "logo", "8×6", "sale"}, false},
		{"resources by tag", []string{"admin", "resources", "--tag", "sale"}, []string{"shop/shoe"}, false},
		{"search", []string{"admin", "search", "tags=sale"}, []string{"shop/shoe"}, false},
		{"details", []string{"admin", "details", "shop/shoe", "--versions"}, []string{`"public_id": "shop/shoe"`, `"versions"`}, false},
		{"tags", []string{"admin", "tags"}, []string{"sale"}, false},
		{"usage", []string{"admin", "usage"}, []string{`"resources": 2`}, false},
		{"missing", []string{"admin", "details", "nope"}, nil, true},
		{"delete", []string{"admin", "delete", "logo"}, []string{`"logo": "deleted"`}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := runCLI(t, s.cliURL(), tc.args...)
			if (err != nil) != tc.fail {
				t.Fatalf("err %v\n%s\n%s", err, out, errOut)
			}
			if tc.fail && !strings.Contains(errOut, "Resource not found - nope") {
				t.Fatalf("stderr %q", errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Fatalf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// cumulus migrate moves 200 assets with tags and context in folders (some
// private) from one server to another; a rerun moves nothing; the SDK sees
// the same public IDs, types, tags, context and bytes on both.
func TestHeavyMigrate(t *testing.T) {
	heavy(t)
	src := startServer(t)
	dst := startServer(t, serverOpts{env: []string{"CLOUDINARY_URL=cloudinary://987654321098765:target-secret@target"}})
	dst.Cloud, dst.Key, dst.Secret = "target", "987654321098765", "target-secret"
	cld := src.sdk(t)

	const n = 200
	files := make([]string, 8)
	for i := range files {
		files[i], _ = pngFile(t, 12+i, 9+i, color.RGBA{uint8(30 * i), 100, uint8(255 - 30*i), 255})
	}
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			p := uploader.UploadParams{PublicID: fmt.Sprintf("f%d/sub%d/asset-%03d", i%5, i%3, i),
				Tags: []string{"all", fmt.Sprintf("group%d", i%4)}, Context: api.CldAPIMap{"alt": fmt.Sprintf("Asset %d", i), "note": "a=b|c"}}
			if i%20 == 0 {
				p.Type = "private"
			}
			mustUpload(t, cld, files[i%len(files)], p)
		}(i)
	}
	wg.Wait()
	t.Logf("seeded %d assets in %s", n, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	out, errOut, err := runCLI(t, dst.cliURL(), "migrate", "--from", fmt.Sprintf("cloudinary://%s:%s@%s", src.Key, src.Secret, src.Cloud),
		"--api-host", src.URL, "--concurrency", "8", "--progress-every", "100ms")
	t.Logf("migration of %d assets: %s", n, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("migrate: %v\n%s\n%s\nsource log:\n%s", err, out, errOut, src.log)
	}
	if !strings.Contains(out, fmt.Sprintf("Migrated %d of %d assets", n, n)) || !strings.Contains(out, "0 failed") {
		t.Fatalf("summary: %s", out)
	}
	if !strings.Contains(errOut, fmt.Sprintf("migrate: %d/%d assets", n, n)) {
		t.Fatalf("progress:\n%s", errOut)
	}

	out, errOut, err = runCLI(t, dst.cliURL(), "migrate", "--from", fmt.Sprintf("cloudinary://%s:%s@%s?upload_prefix=%s", src.Key, src.Secret, src.Cloud, src.URL))
	if err != nil || !strings.Contains(out, fmt.Sprintf("Migrated 0 of %d assets", n)) || !strings.Contains(out, fmt.Sprintf("%d already there", n)) {
		t.Fatalf("rerun: %v\n%s\n%s", err, out, errOut)
	}

	before := searchAll(t, cld, "resource_type=image")
	after := searchAll(t, dst.sdk(t), "resource_type=image")
	if len(before) != n || len(after) != n {
		t.Fatalf("%d assets on the source, %d on the target, want %d", len(before), len(after), n)
	}
	private := 0
	for id, a := range before {
		b, ok := after[id]
		if !ok {
			t.Errorf("%s missing on the target", id)
			continue
		}
		// Same etag: the same bytes, so the same pixels.
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differs:\nsource %+v\ntarget %+v", id, a, b)
		}
		if a.Type == "private" {
			private++
		}
	}
	if private != n/20 {
		t.Errorf("%d private assets, want %d", private, n/20)
	}
	// And the pixels are served: one public asset through the target's delivery.
	img, _ := dst.sdk(t).Image("f1/sub1/asset-001")
	img.DeliveryType = "upload"
	u, _ := img.String()
	code, _, body := get(t, u+".png")
	if code != 200 {
		t.Fatalf("GET %s: %d", u, code)
	}
	if w, h := imageSize(t, body); w != 13 || h != 10 {
		t.Fatalf("delivered %d×%d, want 13×10", w, h)
	}
}
