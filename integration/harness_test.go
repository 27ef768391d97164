// Package integration holds end-to-end tests: the real cumulus binary,
// started on 127.0.0.1:0, driven by the official Cloudinary SDKs (Go here,
// Node through node_test.go) and by raw HTTP where the wire matters.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudinary/cloudinary-go/v2"
	"github.com/cumulusmedia/cumulus/internal/testenv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cumulus-it-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cumulus")
	build := exec.Command("go", "build", "-o", binary, "../cmd/cumulus")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cumulus:", err)
		os.Exit(1)
	}
	// testenv.Run stops the engines (MinIO) the scale-out tests started.
	code := testenv.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running cumulus process.
type server struct {
	URL                string // http://127.0.0.1:PORT
	Host               string // 127.0.0.1:PORT
	Cloud, Key, Secret string
	Data               string
	cmd                *exec.Cmd
	log                *bytes.Buffer
}

type serverOpts struct {
	data string   // reuse a data folder (restart tests)
	args []string // extra serve flags
	env  []string
}

// servingLine gives the public URL and the address the process listens
// on; they differ when a test sets --public-url (a balancer in front).
var servingLine = regexp.MustCompile(`Cumulus serving on (http://\S+) \(listening on ([^,]+),`)

// startServer starts cumulus on a free port and stops it when t ends.
func startServer(t testing.TB, opts ...serverOpts) *server {
	t.Helper()
	var o serverOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	s := &server{Cloud: "demo", Key: "123456789012345", Secret: "s3cr3t-for-tests", Data: o.data, log: &bytes.Buffer{}}
	if s.Data == "" {
		s.Data = t.TempDir()
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", s.Data}, o.args...)
	s.cmd = exec.Command(binary, args...)
	// o.env comes last so a test can name another environment.
	s.cmd.Env = append(append(os.Environ(), fmt.Sprintf("CLOUDINARY_URL=cloudinary://%s:%s@%s", s.Key, s.Secret, s.Cloud)), o.env...)
	stdout, _ := s.cmd.StdoutPipe()
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- "http://" + m[2]
			}
		}
	}()
	select {
	case u := <-found:
		s.URL, s.Host = u, strings.TrimPrefix(u, "http://")
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("cumulus did not start: %s", s.log)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends the server gracefully (SIGTERM) and checks it exits cleanly.
func (s *server) stop(t testing.TB) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil && !t.Failed() {
			t.Errorf("cumulus exited with %v after SIGTERM: %s", err, s.log)
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("cumulus ignored SIGTERM for 15 s")
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (s *server) kill() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

// sdk returns the official Go SDK configured for this server, building
// plain-http delivery URLs on it.
func (s *server) sdk(t testing.TB, extra ...string) *cloudinary.Cloudinary {
	t.Helper()
	u := fmt.Sprintf("cloudinary://%s:%s@%s?upload_prefix=%s&secure=false&cname=%s&analytics=false&chunk_size=20000000", s.Key, s.Secret, s.Cloud, s.URL, s.Host)
	for _, e := range extra {
		u += "&" + e
	}
	c, err := cloudinary.NewFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get fetches a URL and returns status, headers and body.
func get(t testing.TB, url string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// pngFile writes a w×h PNG of one colour to a temp file and returns its
// path and bytes.
func pngFile(t testing.TB, w, h int, c color.RGBA) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	p := filepath.Join(t.TempDir(), fmt.Sprintf("img-%dx%d.png", w, h))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

func sharedImage(t testing.TB, name string) (string, []byte) {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "images", name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("test image: %v", err)
	}
	return p, b
}
