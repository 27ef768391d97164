package integration

import (
	"bufio"
	"fmt"
	"image/color"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cloudinary/cloudinary-go/v2/api"
	"github.com/cloudinary/cloudinary-go/v2/api/uploader"
)

// TestDocsURLExamples requests every example of docs/urls.md (the lines
// of its ```urls blocks) from a real server and checks the answer: the
// status, then each check the line names (type=, size=, vary=,
// disposition=, error= — error takes the rest of the line).
func TestDocsURLExamples(t *testing.T) {
	f, err := os.Open("../docs/urls.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := startServer(t, serverOpts{env: []string{"CLOUDINARY_URL=cloudinary://docskey:abcd@demo"}})
	s.Key, s.Secret = "docskey", "abcd"
	cld := s.sdk(t)
	photo, _ := sharedImage(t, "photo-1920x1280.jpg")
	shoe, _ := sharedImage(t, "alpha-1920x1440.png")
	avatar, _ := pngFile(t, 100, 100, color.RGBA{200, 200, 200, 255})
	mustUpload(t, cld, photo, uploader.UploadParams{PublicID: "sample", Tags: api.CldAPIArray{"logo"}})
	mustUpload(t, cld, shoe, uploader.UploadParams{PublicID: "shop/shoe"})
	mustUpload(t, cld, avatar, uploader.UploadParams{PublicID: "docs/placeholders/avatar"})
	mustUpload(t, cld, photo, uploader.UploadParams{PublicID: "secret", Type: "private"})
	mustUpload(t, cld, photo, uploader.UploadParams{PublicID: "contract", Type: "authenticated"})

	n := 0
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```urls"):
			inBlock = true
			continue
		case strings.HasPrefix(line, "```"):
			inBlock = false
			continue
		case !inBlock || strings.TrimSpace(line) == "":
			continue
		}
		n++
		checkDocLine(t, s, line)
	}
	if n < 30 {
		t.Fatalf("only %d examples found in docs/urls.md", n)
	}
	t.Logf("%d documented URLs checked", n)
}

func checkDocLine(t *testing.T, s *server, line string) {
	t.Helper()
	rest := line
	if i := strings.Index(rest, "error="); i >= 0 {
		rest = line[:i]
	}
	fields := strings.Fields(rest)
	want, _ := strconv.Atoi(fields[0])
	fields = fields[1:]
	host := ""
	if h, ok := strings.CutPrefix(fields[0], "Host="); ok {
		host, fields = h, fields[1:]
	}
	path := fields[0]
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body []byte
	buf := new(strings.Builder)
	bufio.NewReader(resp.Body).WriteTo(buf)
	body = []byte(buf.String())
	fail := func(format string, args ...any) {
		t.Errorf("docs/urls.md %q: %s", strings.TrimSpace(line), fmt.Sprintf(format, args...))
	}
	if resp.StatusCode != want {
		fail("status %d (%s), want %d", resp.StatusCode, resp.Header.Get("X-Cld-Error"), want)
		return
	}
	for _, c := range fields[1:] {
		k, v, _ := strings.Cut(c, "=")
		switch k {
		case "type":
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), v) {
				fail("Content-Type %q, want %s", resp.Header.Get("Content-Type"), v)
			}
		case "size":
			w, h := imageSize(t, body)
			if got := fmt.Sprintf("%dx%d", w, h); got != v {
				fail("size %s, want %s", got, v)
			}
		case "vary":
			if !strings.Contains(resp.Header.Get("Vary"), v) {
				fail("Vary %q, want %s", resp.Header.Get("Vary"), v)
			}
		case "disposition":
			if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), v) {
				fail("Content-Disposition %q, want %s", resp.Header.Get("Content-Disposition"), v)
			}
		default:
			fail("unknown check %q", c)
		}
	}
	if i := strings.Index(line, "error="); i >= 0 {
		if msg := strings.TrimSpace(line[i+len("error="):]); !strings.Contains(resp.Header.Get("X-Cld-Error"), msg) {
			fail("X-Cld-Error %q, want it to contain %q", resp.Header.Get("X-Cld-Error"), msg)
		}
	}
}
